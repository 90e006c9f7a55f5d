//! Table definitions shared by both backends.

diesel::table! {
    committee (id) {
        id -> BigInt,
        name -> Text,
        abbreviation -> Text,
        number_pattern -> Text,
        zone_class -> Text,
        night_start -> Text,
        night_end -> Text,
        language -> Text,
        utc_offset_minutes -> Integer,
        retention_years -> Integer,
        seal_png -> Nullable<Binary>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    app_user (id) {
        id -> BigInt,
        committee_id -> BigInt,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        language -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    web_session (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    api_token (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_start -> Timestamp,
    }
}

diesel::table! {
    app_setting (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    audit_event (chain, seq) {
        chain -> BigInt,
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        summary -> Text,
        prev_hash -> Text,
        hash -> Text,
        mac -> Nullable<Text>,
    }
}

diesel::table! {
    audit_head (chain) {
        chain -> BigInt,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    party (id) {
        id -> BigInt,
        committee_id -> BigInt,
        kind -> Text,
        name -> Text,
        sex -> Nullable<Text>,
        ethnicity -> Nullable<Text>,
        birth_year -> Nullable<Integer>,
        occupation -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        organisation -> Nullable<Text>,
        id_number -> Nullable<Text>,
        access_code -> Text,
        created_at -> Timestamp,
        anonymised_at -> Nullable<Timestamp>,
        access_key -> Nullable<Text>,
        pin_hash -> Nullable<Text>,
    }
}

diesel::table! {
    portal_session (id_hash) {
        id_hash -> Text,
        party_id -> BigInt,
        created_at -> Timestamp,
        large_type -> Bool,
    }
}

diesel::table! {
    case_counter (committee_id, year) {
        committee_id -> BigInt,
        year -> Integer,
        last_seq -> Integer,
    }
}

diesel::table! {
    mediation_case (id) {
        id -> BigInt,
        committee_id -> BigInt,
        number -> Text,
        year -> Integer,
        seq -> Integer,
        title -> Text,
        dispute_type -> Text,
        source -> Text,
        status -> Text,
        risk_level -> Text,
        public_session -> Bool,
        facts -> Nullable<Text>,
        location -> Nullable<Text>,
        registered_at -> Timestamp,
        termination_reason -> Nullable<Text>,
        routes_explained -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        requests -> Nullable<Text>,
        prevented_criminal -> Bool,
        prevented_petition -> Bool,
    }
}

diesel::table! {
    case_party (id) {
        id -> BigInt,
        case_id -> BigInt,
        party_id -> BigInt,
        role -> Text,
        represents -> Nullable<Text>,
    }
}

diesel::table! {
    case_mediator (case_id, user_id) {
        case_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    complaint (id) {
        id -> BigInt,
        committee_id -> BigInt,
        received_at -> Timestamp,
        channel -> Text,
        category -> Text,
        location -> Text,
        location_key -> Text,
        description -> Text,
        observed_pattern -> Nullable<Text>,
        pattern_start -> Nullable<Text>,
        pattern_end -> Nullable<Text>,
        pattern_days -> Nullable<Text>,
        reporter_party_id -> Nullable<BigInt>,
        anonymous -> Bool,
        case_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_transition (id) {
        id -> BigInt,
        case_id -> BigInt,
        from_status -> Text,
        to_status -> Text,
        reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referral (id) {
        id -> BigInt,
        case_id -> BigInt,
        referred_to -> Text,
        reason -> Text,
        referred_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    investigation (id) {
        id -> BigInt,
        case_id -> BigInt,
        conducted_at -> Timestamp,
        place -> Text,
        investigators -> Text,
        participants -> Nullable<Text>,
        subject -> Nullable<Text>,
        record -> Text,
        findings -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    measurement (id) {
        id -> BigInt,
        case_id -> BigInt,
        investigation_id -> Nullable<BigInt>,
        measured_at -> Timestamp,
        position -> Text,
        height_m -> Nullable<Double>,
        laeq_db -> Double,
        lmax_db -> Nullable<Double>,
        background_db -> Nullable<Double>,
        duration_s -> Integer,
        instrument -> Nullable<Text>,
        instrument_class -> Nullable<Integer>,
        calibration_before_db -> Nullable<Double>,
        calibration_after_db -> Nullable<Double>,
        indicative -> Bool,
        operator -> Nullable<Text>,
        valid -> Bool,
        invalid_reasons -> Text,
        corrected_db -> Nullable<Double>,
        limit_db -> Double,
        period -> Text,
        exceeds_by_db -> Nullable<Double>,
        lmax_exceeds_by_db -> Nullable<Double>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    legal_reference (id) {
        id -> BigInt,
        code -> Text,
        law_zh -> Text,
        law_en -> Text,
        article -> Integer,
        text_zh -> Text,
        text_en -> Text,
    }
}

diesel::table! {
    mediation_session (id) {
        id -> BigInt,
        case_id -> BigInt,
        held_at -> Timestamp,
        place -> Text,
        matter -> Nullable<Text>,
        mediators -> Text,
        recorder -> Text,
        attendees -> Nullable<Text>,
        statements -> Text,
        findings -> Nullable<Text>,
        risks_explained -> Nullable<Text>,
        outcome -> Text,
        failure_reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    session_reference (session_id, legal_reference_id) {
        session_id -> BigInt,
        legal_reference_id -> BigInt,
    }
}

diesel::table! {
    community_meeting (id) {
        id -> BigInt,
        case_id -> BigInt,
        held_at -> Timestamp,
        place -> Text,
        attendees -> Text,
        attendance -> Integer,
        explanations -> Text,
        votes_for -> Integer,
        votes_against -> Integer,
        votes_abstain -> Integer,
        resolution -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        chair -> Nullable<Text>,
    }
}

diesel::table! {
    meeting_reference (meeting_id, legal_reference_id) {
        meeting_id -> BigInt,
        legal_reference_id -> BigInt,
    }
}

diesel::table! {
    agreement (id) {
        id -> BigInt,
        case_id -> BigInt,
        version -> Integer,
        supersedes_id -> Nullable<BigInt>,
        kind -> Text,
        subtitle -> Nullable<Text>,
        facts -> Text,
        disputed_matters -> Text,
        responsibilities -> Nullable<Text>,
        performance_manner -> Text,
        performance_place -> Nullable<Text>,
        performance_deadline -> Nullable<Date>,
        status -> Text,
        content_json -> Nullable<Text>,
        content_hash -> Nullable<Text>,
        effective_at -> Nullable<Timestamp>,
        confirmation_deadline -> Nullable<Date>,
        verification_code -> Nullable<Text>,
        copies -> Nullable<Integer>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        anonymised_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agreement_term (id) {
        id -> BigInt,
        agreement_id -> BigInt,
        position -> Integer,
        kind -> Text,
        text -> Text,
        days -> Nullable<Text>,
        start_time -> Nullable<Text>,
        end_time -> Nullable<Text>,
        max_db -> Nullable<Double>,
        measure_position -> Nullable<Text>,
        amount_fen -> Nullable<BigInt>,
        due -> Nullable<Date>,
        obligor_party_id -> Nullable<BigInt>,
        payee_party_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    signature (id) {
        id -> BigInt,
        agreement_id -> BigInt,
        role -> Text,
        party_id -> Nullable<BigInt>,
        signer_name -> Text,
        method -> Text,
        signed_at -> Timestamp,
        image_png -> Nullable<Binary>,
        image_sha256 -> Nullable<Text>,
        recorded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        anonymised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    follow_up (id) {
        id -> BigInt,
        agreement_id -> BigInt,
        case_id -> BigInt,
        visited_at -> Timestamp,
        visitor -> Text,
        method -> Text,
        satisfaction -> Nullable<Integer>,
        lawsuit -> Bool,
        risk_signs -> Nullable<Text>,
        measures -> Nullable<Text>,
        notes -> Nullable<Text>,
        overall -> Text,
        reported_by_party_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        resident_answer -> Nullable<Text>,
    }
}

diesel::table! {
    follow_up_observation (id) {
        id -> BigInt,
        follow_up_id -> BigInt,
        term_position -> Integer,
        observed_end -> Nullable<Text>,
        measured_db -> Nullable<Double>,
        indicative -> Bool,
        reported_result -> Nullable<Text>,
        note -> Nullable<Text>,
        result -> Text,
    }
}

diesel::table! {
    document_archive (id) {
        id -> BigInt,
        committee_id -> BigInt,
        case_id -> BigInt,
        agreement_id -> BigInt,
        kind -> Text,
        lang -> Text,
        sha256 -> Text,
        pages -> Integer,
        bytes -> Binary,
        created_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    print_request (id) {
        id -> BigInt,
        committee_id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        copies -> Integer,
        note -> Nullable<Text>,
        requested_by -> Nullable<BigInt>,
        requested_at -> Timestamp,
        job_id -> Nullable<BigInt>,
        printed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    print_job (id) {
        id -> BigInt,
        committee_id -> BigInt,
        status -> Text,
        total -> Integer,
        done -> Integer,
        pages -> Integer,
        items -> Text,
        pdf -> Nullable<Binary>,
        error -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    document_copy (id) {
        id -> BigInt,
        committee_id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        copies -> Integer,
        pages -> Integer,
        sha256 -> Text,
        recipient -> Nullable<Text>,
        job_id -> Nullable<BigInt>,
        printed_by -> Nullable<BigInt>,
        printed_at -> Timestamp,
    }
}

diesel::joinable!(app_user -> committee (committee_id));
diesel::joinable!(web_session -> app_user (user_id));
diesel::joinable!(api_token -> app_user (user_id));
diesel::joinable!(case_party -> mediation_case (case_id));
diesel::joinable!(case_search_text -> mediation_case (case_id));
diesel::joinable!(case_party -> party (party_id));
diesel::joinable!(portal_session -> party (party_id));
diesel::joinable!(case_mediator -> mediation_case (case_id));
diesel::joinable!(case_mediator -> app_user (user_id));
diesel::joinable!(complaint -> mediation_case (case_id));
diesel::joinable!(complaint -> party (reporter_party_id));
diesel::joinable!(agreement_term -> agreement (agreement_id));
diesel::joinable!(signature -> agreement (agreement_id));
diesel::joinable!(follow_up_observation -> follow_up (follow_up_id));
diesel::joinable!(session_reference -> legal_reference (legal_reference_id));
diesel::joinable!(meeting_reference -> legal_reference (legal_reference_id));
diesel::joinable!(agreement -> mediation_case (case_id));
diesel::joinable!(follow_up -> agreement (agreement_id));
diesel::joinable!(print_request -> mediation_case (case_id));
diesel::joinable!(referral -> mediation_case (case_id));
diesel::joinable!(document_copy -> mediation_case (case_id));

diesel::table! {
    case_view (case_id, lang) {
        case_id -> BigInt,
        lang -> Text,
        committee_id -> BigInt,
        format -> Text,
        body -> Text,
    }
}

diesel::table! {
    case_search_text (case_id) {
        case_id -> BigInt,
        committee_id -> BigInt,
        body -> Text,
        parties -> Text,
        complainants -> Text,
    }
}

diesel::table! {
    case_search_chunk (committee_id, key, first_id) {
        committee_id -> BigInt,
        key -> BigInt,
        first_id -> BigInt,
        held -> Integer,
        ids -> Binary,
    }
}

diesel::table! {
    complaint_search_chunk (committee_id, key, first_id) {
        committee_id -> BigInt,
        key -> BigInt,
        first_id -> BigInt,
        held -> Integer,
        ids -> Binary,
    }
}

diesel::table! {
    complaint_search_state (id) {
        id -> Integer,
        built -> Bool,
    }
}

diesel::table! {
    case_search_state (id) {
        id -> Integer,
        built -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    committee,
    app_user,
    web_session,
    api_token,
    sign_in_throttle,
    app_setting,
    audit_event,
    audit_head,
    party,
    portal_session,
    case_counter,
    mediation_case,
    case_party,
    case_mediator,
    complaint,
    case_transition,
    referral,
    investigation,
    measurement,
    legal_reference,
    mediation_session,
    session_reference,
    community_meeting,
    meeting_reference,
    agreement,
    agreement_term,
    signature,
    follow_up,
    follow_up_observation,
    document_archive,
    print_request,
    print_job,
    document_copy,
    case_view,
    case_search_text,
    case_search_chunk,
    complaint_search_chunk,
);

diesel::table! {
    monitor (id) {
        id -> BigInt,
        committee_id -> BigInt,
        place -> Text,
        position -> Text,
        zone_class -> Text,
        instrument_class -> Text,
        serial -> Text,
        calibrated_on -> Nullable<Date>,
        calibration_valid_until -> Nullable<Date>,
        mn -> Text,
        password_hash -> Text,
        token_hash -> Text,
        realtime_interval_s -> Integer,
        data_time_marks -> Text,
        case_id -> Nullable<BigInt>,
        agreement_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    monitor_reading (monitor_id, at_s, interval_s) {
        monitor_id -> BigInt,
        at_s -> BigInt,
        interval_s -> Integer,
        levels -> BigInt,
    }
}

diesel::joinable!(monitor_reading -> monitor (monitor_id));
diesel::allow_tables_to_appear_in_same_query!(monitor, monitor_reading);

diesel::table! {
    monitor_hourly (monitor_id, hour_s) {
        monitor_id -> BigInt,
        hour_s -> BigInt,
        readings -> Integer,
        measured -> Integer,
        covered_s -> Integer,
        laeq_db -> Nullable<Double>,
        lafmax_db -> Nullable<Double>,
        laeq_min_db -> Nullable<Double>,
        laeq_max_db -> Nullable<Double>,
        rolled_at -> Timestamp,
    }
}

diesel::joinable!(monitor_hourly -> monitor (monitor_id));
diesel::allow_tables_to_appear_in_same_query!(monitor, monitor_hourly);

diesel::table! {
    monitor_reading_pack (monitor_id, hour_s, part) {
        monitor_id -> BigInt,
        hour_s -> BigInt,
        part -> SmallInt,
        data -> Binary,
    }
}

diesel::joinable!(monitor_reading_pack -> monitor (monitor_id));
diesel::allow_tables_to_appear_in_same_query!(monitor, monitor_reading_pack);

diesel::table! {
    night_finding (id) {
        id -> BigInt,
        committee_id -> BigInt,
        monitor_id -> BigInt,
        agreement_id -> BigInt,
        night -> Date,
        term_index -> Integer,
        outcome -> Text,
        basis -> Text,
        evidence -> Text,
        evaluated_at -> Timestamp,
        review -> Nullable<Text>,
        review_reason -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        follow_up_id -> Nullable<BigInt>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(monitor, night_finding);

diesel::table! {
    report_daily (committee_id, span, day, measure, item) {
        committee_id -> BigInt,
        span -> Integer,
        day -> Date,
        measure -> Text,
        item -> Text,
        n -> BigInt,
        label -> Nullable<Text>,
    }
}
