//! Stand-ins for what production's policy engine decides and a fake cannot know: who may read
//! a party's app events (roles, delegations, each app's policy), and who may subscribe to or
//! publish on a resource of the Resource Registry (each resource's policy).
//!
//! A [`Grant`] says one such thing; [`ResourceAccess`] says whether the resource grants are
//! needed at all (`open`, the default, lets everyone subscribe and publish).

use std::fmt;
use std::str::FromStr;

use super::Principal;

/// One permission production's policy engine would give, which the fake cannot know. It reads
/// `WHO ACTION WHAT [LIMIT]`:
///
/// * `user:1337 read party:50001` — user 1337 may read party 50001's app events on
///   `GET /events/api/v1/app/party` (add `app:ttd/apps-test` to allow one app only);
/// * `orgno:991825827 subscribe urn:altinn:resource:ks-melding` — the organisation may read
///   that resource's events on `GET /events/api/v1/events` (add `subject:/party/1337` to
///   allow one subject only);
/// * `org:ttd publish urn:altinn:resource:ks-melding` — the service owner may publish on it
///   with `POST /events/api/v1/events`.
///
/// `WHO` is `user:ID` (`urn:altinn:userid`), `org:CODE` (`urn:altinn:org`), `orgno:NUMBER`
/// (`urn:altinn:orgNumber`) or `systemuser:GUID` (a system user's `authorization_details`).
/// The same grants decide who may subscribe to a webhook and who receives an event: a
/// subscriber with a `read party:` grant may subscribe to that party's app events, one with a
/// `subscribe` grant to that resource's.
///
/// ```
/// use altinn_events_mock::Grant;
///
/// let grant: Grant = "user:1337 read party:50001 app:ttd/apps-test".parse()?;
/// assert_eq!(grant.to_string(), "user:1337 read party:50001 app:ttd/apps-test");
/// assert!("user:1337 read everything".parse::<Grant>().is_err());
/// # Ok::<(), altinn_events_mock::GrantError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    grantee: Grantee,
    permission: Permission,
}

/// Who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grantee {
    /// `urn:altinn:userid`.
    User(String),
    /// `urn:altinn:org`.
    Org(String),
    /// `urn:altinn:orgNumber`.
    OrgNumber(String),
    /// A system user's id (a GUID, lower case).
    SystemUser(String),
}

/// What a grant allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Permission {
    /// Read the app events of `party`, of every app or of `app` (`org`, `app`) only.
    ReadParty {
        party: u32,
        app: Option<(String, String)>,
    },
    /// Read (subscribe to) the events of `resource`, of every subject or of `subject` only.
    Subscribe {
        resource: String,
        subject: Option<String>,
    },
    /// Publish events on `resource`.
    Publish { resource: String },
}

/// A grant that does not parse: what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantError(String);

impl fmt::Display for GrantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GrantError {}

/// Whether subscribing to and publishing on a resource needs a [`Grant`].
///
/// Production asks each resource's policy in the Resource Registry, which a fake cannot know;
/// `Open` (the default) lets every caller with the right scope subscribe to and publish on
/// every resource, `Grants` only those a grant names (and, for publishing, tokens with scope
/// `altinn:events.publish.admin`, which production lets skip the check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResourceAccess {
    /// Everyone may subscribe and publish.
    #[default]
    Open,
    /// Only what a grant allows.
    Grants,
}

impl FromStr for ResourceAccess {
    type Err = String;

    fn from_str(text: &str) -> Result<ResourceAccess, String> {
        match text {
            "open" => Ok(ResourceAccess::Open),
            "grants" => Ok(ResourceAccess::Grants),
            other => Err(format!(
                "unknown resource access {other:?}: expected open or grants"
            )),
        }
    }
}

impl fmt::Display for ResourceAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceAccess::Open => "open",
            ResourceAccess::Grants => "grants",
        })
    }
}

const SPELLING: &str = "a grant reads `user:1337 read party:50001 [app:ORG/APP]`, \
     `orgno:NUMBER subscribe URN [subject:SUBJECT]` or `org:CODE publish URN`";

fn error(message: impl Into<String>) -> GrantError {
    GrantError(format!("{}; {SPELLING}", message.into()))
}

impl FromStr for Grant {
    type Err = GrantError;

    fn from_str(text: &str) -> Result<Grant, GrantError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [who, action, what, limit @ ..] = words.as_slice() else {
            return Err(error(format!("{text:?} is too short")));
        };
        let grantee = parse_grantee(who)?;
        let limit = match limit {
            [] => None,
            [one] => Some(*one),
            _ => return Err(error(format!("{text:?} is too long"))),
        };
        let permission = match *action {
            "read" => parse_read(what, limit)?,
            "subscribe" => Permission::Subscribe {
                resource: parse_urn(what)?,
                subject: limit.map(|l| named(l, "subject")).transpose()?,
            },
            "publish" if limit.is_none() => Permission::Publish {
                resource: parse_urn(what)?,
            },
            "publish" => return Err(error("publish takes no limit")),
            other => {
                return Err(error(format!(
                    "unknown action {other:?}: expected read, subscribe or publish"
                )));
            }
        };
        Ok(Grant {
            grantee,
            permission,
        })
    }
}

fn parse_grantee(word: &str) -> Result<Grantee, GrantError> {
    let not_who = || {
        error(format!(
            "{word:?} is not WHO (user:ID, org:CODE, orgno:NUMBER or systemuser:GUID)"
        ))
    };
    let (kind, id) = word
        .split_once(':')
        .filter(|(_, id)| !id.is_empty())
        .ok_or_else(not_who)?;
    match kind {
        "user" => Ok(Grantee::User(id.to_owned())),
        "org" => Ok(Grantee::Org(id.to_owned())),
        "orgno" => Ok(Grantee::OrgNumber(id.to_owned())),
        "systemuser" => uuid::Uuid::parse_str(id)
            .map(|guid| Grantee::SystemUser(guid.to_string()))
            .map_err(|_| error(format!("{word:?}: a system user's id is a GUID"))),
        _ => Err(not_who()),
    }
}

fn parse_read(what: &str, limit: Option<&str>) -> Result<Permission, GrantError> {
    let party = named(what, "party")?
        .parse::<u32>()
        .map_err(|_| error(format!("{what:?} is not party:ID with a positive party id")))?;
    let app = match limit {
        None => None,
        Some(limit) => {
            let app = named(limit, "app")?;
            let (org, name) = app
                .split_once('/')
                .filter(|(org, name)| !org.is_empty() && !name.is_empty())
                .ok_or_else(|| error(format!("{limit:?} is not app:ORG/APP")))?;
            Some((org.to_owned(), name.to_owned()))
        }
    };
    Ok(Permission::ReadParty { party, app })
}

fn parse_urn(word: &str) -> Result<String, GrantError> {
    if word.starts_with("urn:") {
        Ok(word.to_owned())
    } else {
        Err(error(format!("{word:?} is not a resource URN")))
    }
}

/// The value of `name:VALUE`.
fn named(word: &str, name: &str) -> Result<String, GrantError> {
    word.strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(':'))
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| error(format!("{word:?} is not {name}:VALUE")))
}

impl TryFrom<&str> for Grant {
    type Error = GrantError;

    fn try_from(text: &str) -> Result<Grant, GrantError> {
        text.parse()
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.grantee {
            Grantee::User(id) => write!(f, "user:{id}")?,
            Grantee::Org(code) => write!(f, "org:{code}")?,
            Grantee::OrgNumber(number) => write!(f, "orgno:{number}")?,
            Grantee::SystemUser(id) => write!(f, "systemuser:{id}")?,
        }
        match &self.permission {
            Permission::ReadParty { party, app } => {
                write!(f, " read party:{party}")?;
                if let Some((org, app)) = app {
                    write!(f, " app:{org}/{app}")?;
                }
            }
            Permission::Subscribe { resource, subject } => {
                write!(f, " subscribe {resource}")?;
                if let Some(subject) = subject {
                    write!(f, " subject:{subject}")?;
                }
            }
            Permission::Publish { resource } => write!(f, " publish {resource}")?,
        }
        Ok(())
    }
}

impl Grantee {
    fn matches(&self, who: &Principal) -> bool {
        let claim = match self {
            Grantee::User(_) => &who.user_id,
            Grantee::Org(_) => &who.org,
            Grantee::OrgNumber(_) => &who.org_number,
            Grantee::SystemUser(_) => &who.system_user,
        };
        let (Grantee::User(id)
        | Grantee::Org(id)
        | Grantee::OrgNumber(id)
        | Grantee::SystemUser(id)) = self;
        claim.as_deref() == Some(id.as_str())
    }

    /// The grantee a subscription's consumer entity names (`/user/1337`, `/org/ttd`,
    /// `/organisation/950474084`, `/systemuser/{guid}`), what production stores as `consumer`.
    fn of_entity(entity: &str) -> Option<Grantee> {
        let (kind, id) = entity.strip_prefix('/')?.split_once('/')?;
        let id = id.to_owned();
        match kind {
            "user" => Some(Grantee::User(id)),
            "org" => Some(Grantee::Org(id)),
            "organisation" => Some(Grantee::OrgNumber(id)),
            "systemuser" => Some(Grantee::SystemUser(id.to_ascii_lowercase())),
            _ => None,
        }
    }
}

/// Who a decision is about: a request's token, or a stored subscription's consumer entity.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Who<'a> {
    /// The caller's token.
    Caller(&'a Principal),
    /// A subscription's `consumer`.
    Entity(&'a str),
}

impl Who<'_> {
    fn is(&self, grantee: &Grantee) -> bool {
        match self {
            Who::Caller(principal) => grantee.matches(principal),
            Who::Entity(entity) => Grantee::of_entity(entity).as_ref() == Some(grantee),
        }
    }
}

/// The stand-in's state: the mode and the grants, asked the policy engine's questions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Access {
    /// Whether resource grants are needed.
    pub(crate) resources: ResourceAccess,
    /// Every grant, in the order given.
    pub(crate) grants: Vec<Grant>,
}

/// The scope that lets a publisher skip the publish check in production.
const PUBLISH_ADMIN_SCOPE: &str = "altinn:events.publish.admin";

impl Access {
    fn granted<'a>(&'a self, who: Who<'a>) -> impl Iterator<Item = &'a Permission> {
        self.grants
            .iter()
            .filter(move |grant| who.is(&grant.grantee))
            .map(|grant| &grant.permission)
    }

    /// Whether a grant lets `who` read party `party`'s events of app `org`/`app`.
    pub(crate) fn may_read_party(
        &self,
        who: Who<'_>,
        party: u32,
        (org, app): (&str, &str),
    ) -> bool {
        self.granted(who).any(|permission| match permission {
            Permission::ReadParty {
                party: granted,
                app: only,
            } => *granted == party && only.as_ref().is_none_or(|(o, a)| o == org && a == app),
            _ => false,
        })
    }

    /// Whether `who` may read (subscribe to) an event of `resource` about `subject`.
    pub(crate) fn may_subscribe(
        &self,
        who: Who<'_>,
        resource: &str,
        subject: Option<&str>,
    ) -> bool {
        self.resources == ResourceAccess::Open
            || self.granted(who).any(|permission| match permission {
                Permission::Subscribe {
                    resource: granted,
                    subject: only,
                } => granted == resource && only.as_deref().is_none_or(|s| Some(s) == subject),
                _ => false,
            })
    }

    /// Whether `who` may publish on `resource`.
    pub(crate) fn may_publish(&self, who: &Principal, resource: &str) -> bool {
        let caller = Who::Caller(who);
        self.resources == ResourceAccess::Open
            || who.has_scope(PUBLISH_ADMIN_SCOPE)
            || self.granted(caller).any(|permission| {
                matches!(permission, Permission::Publish { resource: granted } if granted == resource)
            })
    }
}

#[cfg(test)]
mod tests;
