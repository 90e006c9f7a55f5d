//! Arithmetic of sound levels: decibels are logarithms of energy, so they
//! are averaged as energies and never as numbers.

/// The energetic mean of levels held for given durations:
/// 10·log10(Σ tᵢ·10^(Lᵢ/10) / Σ tᵢ). `None` when no time is covered.
pub fn energetic_mean(levels: impl IntoIterator<Item = (f64, f64)>) -> Option<f64> {
    let mut energy = 0.0;
    let mut time = 0.0;
    for (db, seconds) in levels {
        if seconds > 0.0 && db.is_finite() {
            energy += seconds * 10f64.powf(db / 10.0);
            time += seconds;
        }
    }
    (time > 0.0).then(|| 10.0 * (energy / time).log10())
}

/// The level at or below which the given share of the time was spent: the
/// lowest level whose own and lower levels' durations reach `share` of the
/// total. L90, the background, is the level exceeded 90 % of the time:
/// `percentile(levels, 0.10)`. `None` when no time is covered.
pub fn percentile(levels: impl IntoIterator<Item = (f64, f64)>, share: f64) -> Option<f64> {
    let mut levels: Vec<(f64, f64)> = levels.into_iter().filter(|(db, s)| *s > 0.0 && db.is_finite()).collect();
    levels.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = levels.iter().map(|(_, s)| s).sum();
    // A hair under the share, so that 10 % of ten equal minutes is the first one.
    let needed = share.clamp(0.0, 1.0) * total - total * 1e-9;
    let mut reached = 0.0;
    for (db, seconds) in &levels {
        reached += seconds;
        if reached >= needed {
            return Some(*db);
        }
    }
    levels.last().map(|(db, _)| *db)
}

/// A level to a tenth of a decibel, as meters show and findings print it.
pub fn round1(db: f64) -> f64 {
    (db * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fifty_and_sixty_decibels_for_equal_times_average_to_57_4() {
        // 10^(50/10) = 100 000 and 10^(60/10) = 1 000 000; their mean is
        // 550 000, and 10·log10(550 000) = 10 × 5.7404 = 57.404 dB.
        // The arithmetic mean, 55 dB, would understate the louder half.
        let mean = energetic_mean([(50.0, 60.0), (60.0, 60.0)]).expect("mean");
        assert!((mean - 57.404).abs() < 0.001, "{mean}");
        assert_eq!(round1(mean), 57.4);
    }

    #[test]
    fn time_weights_the_mean() {
        // 60 dB for 10 minutes and 40 dB for 50: 10·log10((10·10^6 + 50·10^4)/60)
        // = 10·log10(175 000) = 52.43 dB.
        let mean = energetic_mean([(60.0, 600.0), (40.0, 3000.0)]).expect("mean");
        assert_eq!(round1(mean), 52.4);
        assert_eq!(energetic_mean([]), None);
        assert_eq!(energetic_mean([(50.0, 0.0)]), None);
    }

    #[test]
    fn the_background_is_the_level_exceeded_ninety_percent_of_the_time() {
        // Ten equal minutes at 40, 41 … 49 dB: one tenth of the time is at 40 or below.
        let minutes = (40..50).map(|db| (f64::from(db), 60.0));
        assert_eq!(percentile(minutes, 0.10), Some(40.0));
        // A quiet half hour at 38 dB among two noisy hours: the quiet time
        // is a fifth of the whole, so L90 is 38.
        assert_eq!(percentile([(55.0, 3600.0), (38.0, 1800.0), (60.0, 3600.0)], 0.10), Some(38.0));
        assert_eq!(percentile([], 0.10), None);
    }

    proptest! {
        #[test]
        fn the_mean_lies_between_the_quietest_and_the_loudest_and_above_the_arithmetic_mean(
            levels in proptest::collection::vec((20.0f64..120.0, 1.0f64..3600.0), 1..50)
        ) {
            let mean = energetic_mean(levels.clone()).expect("mean");
            let low = levels.iter().map(|l| l.0).fold(f64::INFINITY, f64::min);
            let high = levels.iter().map(|l| l.0).fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(mean >= low - 1e-9 && mean <= high + 1e-9);
            let time: f64 = levels.iter().map(|l| l.1).sum();
            let arithmetic = levels.iter().map(|(db, s)| db * s).sum::<f64>() / time;
            prop_assert!(mean >= arithmetic - 1e-9);
        }

        #[test]
        fn the_percentile_is_one_of_the_levels(
            levels in proptest::collection::vec((20.0f64..120.0, 1.0f64..3600.0), 1..50),
            share in 0.0f64..1.0,
        ) {
            let p = percentile(levels.clone(), share).expect("level");
            prop_assert!(levels.iter().any(|l| l.0 == p));
        }
    }
}
