//! The case: its state machine, sources, dispute types and risk levels.

use super::Invalid;

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $invalid:literal, { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored code.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// Parses a stored or submitted code.
            pub fn parse(raw: &str) -> Result<Self, $crate::domain::Invalid> {
                let raw = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == raw)
                    .ok_or_else(|| $crate::domain::Invalid::new($invalid).with("allowed", Self::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ")))
            }
        }

        impl $crate::domain::StoredCode for $name {
            const NAME: &'static str = stringify!($name);

            fn as_code(self) -> &'static str {
                self.code()
            }

            fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use code_enum;

code_enum!(
    /// Where a case came from (People's Mediation Law Arts 17–18).
    CaseSource, "invalid.choice", {
        /// A party applied (申请).
        Application => "application",
        /// The committee acted on its own initiative (主动).
        OwnInitiative => "own_initiative",
        /// A court, the police or another body referred it (移交).
        Referral => "referral",
    }
);

code_enum!(
    /// Dispute type in the taxonomy of the justice bureaus' monthly reports.
    DisputeType, "invalid.choice", {
        /// 婚姻家庭
        Family => "family",
        /// 邻里
        Neighbour => "neighbour",
        /// 房屋宅基地
        Housing => "housing",
        /// 合同
        Contract => "contract",
        /// 生产经营
        Business => "business",
        /// 损害赔偿
        Damages => "damages",
        /// 山林土地
        Land => "land",
        /// 征地拆迁
        Demolition => "demolition",
        /// 环境污染
        Environment => "environment",
        /// 劳动争议
        Labour => "labour",
        /// 消费
        Consumer => "consumer",
        /// 医疗
        Medical => "medical",
        /// 道路交通事故
        Traffic => "traffic",
        /// 物业
        Property => "property",
        /// 其他
        Other => "other",
    }
);

code_enum!(
    /// Risk grading of the grid platforms.
    RiskLevel, "invalid.choice", {
        /// Serious risk of escalation.
        Red => "red",
        /// Elevated risk.
        Orange => "orange",
        /// Ordinary.
        Yellow => "yellow",
    }
);

code_enum!(
    /// A person's part in a case.
    PartyRole, "invalid.choice", {
        /// 申请人
        Applicant => "applicant",
        /// 被申请人
        Respondent => "respondent",
        /// 第三人
        ThirdParty => "third_party",
        /// 代理人 / 代表人
        Representative => "representative",
    }
);

impl PartyRole {
    /// Whether a person in this role is a party who must sign an agreement.
    pub fn signs_agreements(self) -> bool {
        !matches!(self, PartyRole::Representative)
    }
}

code_enum!(
    /// Where a case stands.
    CaseStatus, "invalid.choice", {
        /// 已受理
        Registered => "registered",
        /// 调查核实
        Investigating => "investigating",
        /// 调解中
        Mediating => "mediating",
        /// 达成协议
        Agreed => "agreed",
        /// 调解终止
        Terminated => "terminated",
        /// 履行完毕
        Fulfilled => "fulfilled",
        /// 未履行
        Breached => "breached",
        /// 已移交
        Referred => "referred",
        /// 已归档
        Archived => "archived",
    }
);

impl CaseStatus {
    /// The statuses a case may move to from this one. Besides the moves of
    /// the outside contract, a case may end before mediation starts when a
    /// party clearly refuses it (Art 17).
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Registered => &[Investigating, Terminated],
            Investigating => &[Mediating, Terminated],
            Mediating => &[Agreed, Terminated],
            Agreed => &[Fulfilled, Breached],
            Breached => &[Mediating, Referred],
            Fulfilled | Terminated | Referred => &[Archived],
            Archived => &[],
        }
    }

    /// Whether the case is closed for new records.
    pub fn is_closed(self) -> bool {
        matches!(self, CaseStatus::Archived)
    }
}

/// What a move needs besides being allowed.
#[derive(Debug, Clone, Default)]
pub struct MoveFacts<'a> {
    /// Whether the case has an effective agreement.
    pub has_effective_agreement: bool,
    /// The reason given.
    pub reason: Option<&'a str>,
    /// Whether the other routes (arbitration, administrative, judicial) were
    /// explained (Art 26).
    pub routes_explained: bool,
    /// To whom the case is referred.
    pub referred_to: Option<&'a str>,
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveError {
    /// The state machine has no such move; these are allowed.
    NotAllowed {
        /// Current status.
        from: CaseStatus,
        /// Requested status.
        to: CaseStatus,
    },
    /// The move is allowed but a precondition is missing.
    Precondition(Vec<(&'static str, Invalid)>),
}

/// Checks a move of the state machine and its preconditions: `agreed` needs
/// an effective agreement; `terminated` needs a reason and the other routes
/// explained (Art 26); `referred` needs a recipient and a reason.
pub fn check_move(from: CaseStatus, to: CaseStatus, facts: &MoveFacts<'_>) -> Result<(), MoveError> {
    if !from.next().contains(&to) {
        return Err(MoveError::NotAllowed { from, to });
    }
    let given = |s: Option<&str>| s.is_some_and(|s| !s.trim().is_empty());
    let mut missing = Vec::new();
    match to {
        CaseStatus::Agreed if !facts.has_effective_agreement => {
            missing.push(("to", Invalid::new("invalid.needs_effective_agreement")));
        }
        CaseStatus::Terminated => {
            if !given(facts.reason) {
                missing.push(("reason", Invalid::new("invalid.required")));
            }
            if !facts.routes_explained {
                missing.push(("routes_explained", Invalid::new("invalid.routes_explained")));
            }
        }
        CaseStatus::Referred => {
            if !given(facts.referred_to) {
                missing.push(("referred_to", Invalid::new("invalid.required")));
            }
            if !given(facts.reason) {
                missing.push(("reason", Invalid::new("invalid.required")));
            }
        }
        _ => {}
    }
    if missing.is_empty() { Ok(()) } else { Err(MoveError::Precondition(missing)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;
    use proptest::prelude::*;

    #[test]
    fn the_contract_moves_are_allowed() {
        let moves = [
            (Registered, Investigating),
            (Investigating, Mediating),
            (Mediating, Agreed),
            (Mediating, Terminated),
            (Agreed, Fulfilled),
            (Agreed, Breached),
            (Breached, Mediating),
            (Breached, Referred),
            (Fulfilled, Archived),
            (Terminated, Archived),
            (Referred, Archived),
        ];
        for (from, to) in moves {
            assert!(from.next().contains(&to), "{from} → {to}");
        }
    }

    #[test]
    fn skipping_steps_is_refused() {
        let facts = MoveFacts { has_effective_agreement: true, ..Default::default() };
        assert_eq!(check_move(Registered, Agreed, &facts), Err(MoveError::NotAllowed { from: Registered, to: Agreed }));
        assert!(check_move(Archived, Registered, &facts).is_err());
        assert!(check_move(Fulfilled, Breached, &facts).is_err());
    }

    #[test]
    fn agreed_needs_an_effective_agreement() {
        let err = check_move(Mediating, Agreed, &MoveFacts::default()).expect_err("refused");
        assert!(matches!(err, MoveError::Precondition(f) if f[0].1.key == "invalid.needs_effective_agreement"));
        let ok = MoveFacts { has_effective_agreement: true, ..Default::default() };
        assert_eq!(check_move(Mediating, Agreed, &ok), Ok(()));
    }

    #[test]
    fn termination_needs_a_reason_and_the_other_routes_explained() {
        let err = check_move(Mediating, Terminated, &MoveFacts::default()).expect_err("refused");
        let MoveError::Precondition(fields) = err else { panic!("precondition") };
        assert_eq!(fields.iter().map(|f| f.0).collect::<Vec<_>>(), ["reason", "routes_explained"]);
        let ok = MoveFacts { reason: Some("一方拒绝继续调解"), routes_explained: true, ..Default::default() };
        assert_eq!(check_move(Mediating, Terminated, &ok), Ok(()));
    }

    #[test]
    fn referral_names_the_recipient_and_the_reason() {
        let err = check_move(Breached, Referred, &MoveFacts { reason: Some("x"), ..Default::default() });
        assert!(matches!(err, Err(MoveError::Precondition(f)) if f[0].0 == "referred_to"));
    }

    #[test]
    fn the_fifteen_dispute_types_of_the_monthly_report_are_known() {
        assert_eq!(DisputeType::ALL.len(), 15);
        assert_eq!(DisputeType::parse("neighbour"), Ok(DisputeType::Neighbour));
        assert!(DisputeType::parse("noise").is_err());
    }

    #[test]
    fn every_status_is_reachable_from_registered_and_archive_is_final() {
        let mut seen = vec![Registered];
        let mut frontier = vec![Registered];
        while let Some(s) = frontier.pop() {
            for n in s.next() {
                if !seen.contains(n) {
                    seen.push(*n);
                    frontier.push(*n);
                }
            }
        }
        assert_eq!(seen.len(), CaseStatus::ALL.len());
        assert!(Archived.next().is_empty());
    }

    proptest! {
        #[test]
        fn a_move_outside_the_table_is_always_refused(a in 0usize..9, b in 0usize..9) {
            let (from, to) = (CaseStatus::ALL[a], CaseStatus::ALL[b]);
            let facts = MoveFacts { has_effective_agreement: true, reason: Some("r"), routes_explained: true, referred_to: Some("x") };
            prop_assert_eq!(check_move(from, to, &facts).is_ok(), from.next().contains(&to));
        }
    }
}
