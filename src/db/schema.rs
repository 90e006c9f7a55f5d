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
    }
}

diesel::table! {
    audit_head (chain) {
        chain -> BigInt,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::joinable!(app_user -> committee (committee_id));
diesel::joinable!(web_session -> app_user (user_id));
diesel::joinable!(api_token -> app_user (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    committee,
    app_user,
    web_session,
    api_token,
    sign_in_throttle,
    app_setting,
    audit_event,
    audit_head,
);
