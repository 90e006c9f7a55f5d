//! Users of the committees.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;

use super::DbConn;
use super::audit::audited;
use super::codes::Code;
use super::schema::{app_user, committee};
use crate::domain::account::{Role, Username};
use crate::domain::audit::Actor;
use crate::domain::language::Lang;

/// A user as stored, without the password hash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = app_user)]
pub struct User {
    /// Id.
    pub id: i64,
    /// The committee the user works for.
    pub committee_id: i64,
    /// Sign-in name (lower case).
    pub username: String,
    /// Name shown on screens and documents.
    pub display_name: String,
    /// Role code.
    pub role: Code<Role>,
    /// Preferred language, if chosen.
    pub language: Option<String>,
    /// Whether the user may sign in.
    pub active: bool,
    /// When created.
    pub created_at: NaiveDateTime,
}

impl User {
    /// The user's role.
    pub fn role(&self) -> Role {
        self.role.get()
    }

    /// The user's chosen language, if any.
    pub fn language(&self) -> Option<Lang> {
        self.language.as_deref().and_then(|l| Lang::parse(l).ok())
    }

    /// Who this user is in the audit chain.
    pub fn actor(&self) -> Actor {
        Actor { id: Some(self.id), name: self.username.clone() }
    }
}

/// A user to create; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Committee.
    pub committee_id: i64,
    /// Sign-in name.
    pub username: Username,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// The sign-in name is taken.
    #[error("the username is taken")]
    UsernameTaken,
    /// The committee does not exist.
    #[error("no such committee")]
    NoSuchCommittee,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DieselError),
}

/// Creates a user; returns the id.
pub fn create(conn: &mut DbConn, actor: &Actor, new: &NewUser) -> Result<i64, CreateUserError> {
    audited(conn, actor, new.committee_id, |conn, log| {
        let exists = committee::table.find(new.committee_id).count().get_result::<i64>(conn)?;
        if exists == 0 {
            return Err(CreateUserError::NoSuchCommittee);
        }
        let id = diesel::insert_into(app_user::table)
            .values((
                app_user::committee_id.eq(new.committee_id),
                app_user::username.eq(new.username.as_str()),
                app_user::display_name.eq(&new.display_name),
                app_user::role.eq(new.role.code()),
                app_user::password_hash.eq(&new.password_hash),
                app_user::active.eq(true),
                app_user::created_at.eq(Utc::now().naive_utc()),
            ))
            .returning(app_user::id)
            .get_result::<i64>(conn)
            .map_err(|e| match e {
                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => CreateUserError::UsernameTaken,
                other => CreateUserError::Db(other),
            })?;
        log.record(
            "user.create",
            "user",
            id,
            json!({"username": new.username.as_str(), "display_name": new.display_name, "role": new.role.code()}),
        );
        Ok(id)
    })
}

/// A user and their password hash, by sign-in name.
pub fn find_for_sign_in(conn: &mut DbConn, username: &str) -> QueryResult<Option<(User, String)>> {
    app_user::table
        .filter(app_user::username.eq(username.trim().to_lowercase()))
        .select((User::as_select(), app_user::password_hash))
        .first(conn)
        .optional()
}

/// One user.
pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<User> {
    app_user::table.find(id).select(User::as_select()).first(conn)
}

/// The users of a committee, by name.
pub fn list(conn: &mut DbConn, committee_id: i64) -> QueryResult<Vec<User>> {
    app_user::table
        .filter(app_user::committee_id.eq(committee_id))
        .order(app_user::username)
        .select(User::as_select())
        .load(conn)
}

/// Stores a user's language choice.
pub fn set_language(conn: &mut DbConn, user: &User, lang: Lang) -> QueryResult<()> {
    audited(conn, &user.actor(), user.committee_id, |conn, log| {
        diesel::update(app_user::table.find(user.id)).set(app_user::language.eq(lang.code())).execute(conn)?;
        log.record("user.set_language", "user", user.id, json!({"language": lang.code()}));
        Ok(())
    })
}

/// Lets a user of `committee_id` sign in, or stops them; their open
/// sessions end at their next request.
pub fn set_active(conn: &mut DbConn, actor: &Actor, committee_id: i64, id: i64, active: bool) -> QueryResult<()> {
    audited(conn, actor, committee_id, |conn, log| {
        let changed =
            diesel::update(app_user::table.filter(app_user::id.eq(id).and(app_user::committee_id.eq(committee_id))))
                .set(app_user::active.eq(active))
                .execute(conn)?;
        if changed == 0 {
            return Err(DieselError::NotFound);
        }
        log.record("user.set_active", "user", id, json!({"active": active}));
        Ok(())
    })
}
