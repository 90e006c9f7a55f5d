//! Users of a committee: creating them, listing them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::db::users::{self, CreateUserError, NewUser, User};
use crate::db::{Db, DbConn};
use crate::domain::Invalid;
use crate::domain::account::is_root_admin;
use crate::domain::audit::Actor;
use crate::domain::commands::admin::{AccountFields, NewAccount};
use crate::passwords;

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// Sign-in name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Whether the user may sign in.
    pub active: bool,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            committee_id: u.committee_id,
            username: u.username,
            display_name: u.display_name,
            role: u.role.to_string(),
            active: u.active,
        }
    }
}

/// Creates a user for `admin`: in the administrator's committee, or any
/// for the installation's administrators; the password is hashed off the
/// HTTP workers; a taken name is a conflict.
pub async fn create_user(db: &Db, admin: &User, fields: AccountFields) -> AppResult<User> {
    let committee_id = fields.committee_id.unwrap_or(admin.committee_id);
    if committee_id != admin.committee_id && !is_root_admin(admin.role(), admin.committee_id) {
        return Err(AppError::Forbidden);
    }
    let account = fields.parse()?;
    let password = account.password.clone();
    let password_hash = crate::app::off_the_workers("password hashing", move || passwords::hash(&password)).await??;
    let actor = admin.actor();
    db.run(move |conn| insert_account(conn, &actor, committee_id, account, password_hash)).await
}

/// Stores a checked account in `committee_id` with its password's hash:
/// the one way users are created, by an administrator (see
/// [`create_user`]) or by the operator (`hesheng users add`). A taken name
/// is a conflict; an unknown committee a refusal of `committee_id`.
pub fn insert_account(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    account: NewAccount,
    password_hash: String,
) -> AppResult<User> {
    let new = NewUser {
        committee_id,
        username: account.username,
        display_name: account.display_name,
        role: account.role,
        password_hash,
    };
    match users::create(conn, actor, &new) {
        Ok(id) => Ok(users::find(conn, id)?),
        Err(CreateUserError::UsernameTaken) => Err(AppError::conflict(Invalid::new("conflict.username_taken"))),
        Err(CreateUserError::NoSuchCommittee) => {
            Err(AppError::field("committee_id", Invalid::new("invalid.no_such_committee")))
        }
        Err(CreateUserError::Db(e)) => Err(e.into()),
    }
}

/// The users of a committee.
pub async fn list_users(db: &Db, committee_id: i64) -> AppResult<Vec<User>> {
    db.run(move |conn| Ok::<_, AppError>(users::list(conn, committee_id)?)).await
}

/// Lets a user of the administrator's committee sign in again, or stops
/// them; an administrator cannot stop themselves. Answers the username.
pub async fn set_active(db: &Db, admin: &User, id: i64, active: bool) -> AppResult<String> {
    if id == admin.id {
        return Err(AppError::Forbidden);
    }
    let admin = admin.clone();
    db.run(move |conn| {
        users::set_active(conn, &admin.actor(), admin.committee_id, id, active)?;
        Ok::<_, AppError>(users::find(conn, id)?.username)
    })
    .await
}

/// Keeps `lang` as the user's language.
pub async fn set_language(db: &Db, user: &User, lang: crate::domain::language::Lang) -> AppResult<()> {
    let user = user.clone();
    db.run(move |conn| Ok::<_, AppError>(users::set_language(conn, &user, lang)?)).await
}
