//! The editorial mutations: create, update and delete for every kind, and an online backup.
//!
//! Each needs a token (`Authorization: Bearer …`) of the `write` scope (`admin` for backups),
//! takes effect in one transaction, and answers only once it is on disk.

use async_graphql::{Context, ErrorExtensions, InputType, Object, OutputType, Result, SimpleObject, ID};
use uuid::Uuid;

use super::content::{Article, Event, FactSheet, Interview, PodcastEpisode, PressItem, Reading};
use super::error::{bad_input, internal, not_found};
use super::inputs::*;
use super::values::EntityKind;
use crate::auth::{Caller, Credentials, Scope};
use crate::catalog::{Catalog, Edited};
use crate::domain::{Kind, Person, Series, Update};
use crate::editing::{Change, EditError, Problem};

/// What a create or update returns.
#[derive(SimpleObject)]
#[graphql(concrete(name = "EventPayload", params(Event)))]
#[graphql(concrete(name = "InterviewPayload", params(Interview)))]
#[graphql(concrete(name = "PressItemPayload", params(PressItem)))]
#[graphql(concrete(name = "PodcastEpisodePayload", params(PodcastEpisode)))]
#[graphql(concrete(name = "ArticlePayload", params(Article)))]
#[graphql(concrete(name = "FactSheetPayload", params(FactSheet)))]
#[graphql(concrete(name = "ReadingPayload", params(Reading)))]
#[graphql(concrete(name = "PersonPayload", params(Person)))]
#[graphql(concrete(name = "UpdatePayload", params(Update)))]
#[graphql(concrete(name = "SeriesPayload", params(Series)))]
pub struct Payload<T: OutputType> {
    /// The entity as now stored.
    item: T,
    /// Its version: send it as `expectedVersion` with the next change.
    version: u64,
    /// The store's revision after the change.
    revision: u64,
}

/// What a delete returns.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// The deleted entity's id (it stays in `sync` as a tombstone).
    id: ID,
    revision: u64,
    /// What `force: true` detached from the deleted entity.
    detached: Vec<Detached>,
}

/// A reference a forced delete removed.
#[derive(SimpleObject)]
pub struct Detached {
    kind: EntityKind,
    slug: String,
    /// The field that pointed at the deleted entity.
    field: String,
}

/// A backup written by the server.
#[derive(SimpleObject)]
pub struct BackupPayload {
    /// Where the file is, on the server.
    path: String,
    bytes: u64,
    /// SHA-256 of the file, hex.
    sha256: String,
    /// The store's revision the backup holds.
    revision: u64,
}

pub struct Mutation;

/// Writes the create, update and delete mutations of each kind.
macro_rules! mutations {
    ($($kind:expr, $input:ty, $out:ty: $create:ident, $update:ident, $delete:ident;)*) => {
        #[Object]
        impl Mutation {
            $(
                #[doc = concat!("Creates a ", stringify!($out), ". Needs the `write` scope.")]
                async fn $create(&self, ctx: &Context<'_>, input: $input) -> Result<Payload<$out>> {
                    let change = Change::Create { kind: $kind, patch: input.patch() };
                    payload(edit(ctx, change).await?)
                }

                #[doc = concat!("Changes the given fields of a ", stringify!($out), " (`null` clears one). `expectedVersion` must be its current version. Needs the `write` scope.")]
                async fn $update(&self, ctx: &Context<'_>, id: ID, input: $input, expected_version: u64) -> Result<Payload<$out>> {
                    let change = Change::Update { kind: $kind, id: parse_id(&id)?, expected_version, patch: input.patch() };
                    payload(edit(ctx, change).await?)
                }

                #[doc = concat!("Deletes a ", stringify!($out), ". Refused with `CONFLICT` while something refers to it, unless `force` detaches those references. Needs the `write` scope.")]
                async fn $delete(&self, ctx: &Context<'_>, id: ID, expected_version: u64, #[graphql(default)] force: bool) -> Result<DeletePayload> {
                    let change = Change::Delete { kind: $kind, id: parse_id(&id)?, expected_version, force };
                    let edited = edit(ctx, change).await?;
                    Ok(DeletePayload {
                        id,
                        revision: edited.revision,
                        detached: edited.detached.into_iter().map(|r| Detached {
                            kind: r.kind.into(), slug: r.slug.to_string(), field: r.field.to_string(),
                        }).collect(),
                    })
                }
            )*

            /// Changes the given fields of the series page. Needs the `write` scope.
            async fn update_series(&self, ctx: &Context<'_>, id: ID, input: SeriesInput, expected_version: u64) -> Result<Payload<Series>> {
                let change = Change::Update { kind: Kind::Series, id: parse_id(&id)?, expected_version, patch: input.patch() };
                payload(edit(ctx, change).await?)
            }

            /// Writes a backup of the whole store into the server's backup folder, consistent at
            /// one revision, while the server keeps serving. Needs the `admin` scope.
            async fn backup(&self, ctx: &Context<'_>) -> Result<BackupPayload> {
                require(ctx, Scope::Admin)?;
                let catalog = ctx.data::<Catalog>()?.clone();
                let dir = ctx.data::<BackupDir>()?.0.clone();
                let span = tracing::Span::current();
                let made = tokio::task::spawn_blocking(move || span.in_scope(|| catalog.backup_into(&dir)))
                    .await
                    .map_err(internal)?
                    .map_err(internal)?;
                Ok(BackupPayload {
                    path: made.path.display().to_string(),
                    bytes: made.bytes,
                    sha256: made.sha256,
                    revision: made.revision,
                })
            }
        }
    };
}

mutations! {
    Kind::Event, EventInput, Event: create_event, update_event, delete_event;
    Kind::Interview, InterviewInput, Interview: create_interview, update_interview, delete_interview;
    Kind::PressItem, PressItemInput, PressItem: create_press_item, update_press_item, delete_press_item;
    Kind::PodcastEpisode, PodcastEpisodeInput, PodcastEpisode: create_podcast_episode, update_podcast_episode, delete_podcast_episode;
    Kind::Article, ArticleInput, Article: create_article, update_article, delete_article;
    Kind::FactSheet, FactSheetInput, FactSheet: create_fact_sheet, update_fact_sheet, delete_fact_sheet;
    Kind::Reading, ReadingInput, Reading: create_reading, update_reading, delete_reading;
    Kind::Person, PersonInput, Person: create_person, update_person, delete_person;
    Kind::Update, UpdateInput, Update: create_update, update_update, delete_update;
}

/// Where the `backup` mutation writes.
#[derive(Debug, Clone)]
pub struct BackupDir(pub std::path::PathBuf);

/// The caller, if its token has `scope` (or a wider one).
pub(super) fn require(ctx: &Context<'_>, scope: Scope) -> Result<Caller> {
    let fail = |code: &str, message: String| {
        async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", code);
            e.set("requiredScope", scope.name());
        })
    };
    match ctx.data_opt::<Credentials>().unwrap_or(&Credentials::Anonymous) {
        Credentials::Caller(caller) if caller.scope >= scope => Ok(caller.clone()),
        Credentials::Caller(caller) => Err(fail(
            "FORBIDDEN",
            format!("the token `{}` has the `{}` scope; this needs `{scope}`", caller.name, caller.scope),
        )),
        Credentials::Invalid => Err(fail(
            "UNAUTHENTICATED",
            "the Authorization header does not hold a valid token (`Bearer <token>`)".into(),
        )),
        Credentials::Anonymous => Err(fail(
            "UNAUTHENTICATED",
            format!("this needs a token of the `{scope}` scope: send `Authorization: Bearer <token>`"),
        )),
    }
}

fn parse_id(id: &ID) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| bad_input("id", format!("`{}` is not an id of this API", id.as_str())))
}

/// Checks the caller's scope and makes the change, turning each refusal into its error.
async fn edit(ctx: &Context<'_>, change: Change) -> Result<Edited> {
    let caller = require(ctx, Scope::Write)?;
    let catalog = ctx.data::<Catalog>()?;
    catalog.edit(&caller.name, ctx.field().name(), change).await.map_err(|e| match e {
        EditError::Invalid(problems) => invalid(ctx, problems),
        EditError::NotFound(kind, id) => not_found("id", format!("no {} has the id `{id}`", kind.name())),
        EditError::StaleVersion { expected, actual } => conflict(e.to_string()).extend_with(|_, x| {
            x.set("expectedVersion", expected);
            x.set("currentVersion", actual);
        }),
        EditError::Referenced(ref refs) => {
            let list: Vec<async_graphql::Value> = refs
                .iter()
                .map(|r| {
                    let kind = InputType::to_value(&EntityKind::from(r.kind));
                    async_graphql::value!({ "kind": kind, "slug": r.slug.to_string(), "field": r.field })
                })
                .collect();
            let message = format!("{e}: detach them first, or delete with `force: true`");
            conflict(message)
                .extend_with(move |_, x| x.set("references", async_graphql::Value::List(list.clone())))
        }
        EditError::Store(crate::store::StoreError::Closed) => {
            async_graphql::Error::new("the server is shutting down: nothing was written; try again")
                .extend_with(|_, e| e.set("code", "UNAVAILABLE"))
        }
        EditError::Store(e) => internal(e),
    })
}

fn conflict(message: String) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "CONFLICT"))
}

/// One `BAD_USER_INPUT` error per problem: the first is the field's error, the others are added
/// beside it, so a client sees every problem at once.
fn invalid(ctx: &Context<'_>, problems: Vec<Problem>) -> async_graphql::Error {
    let mut errors = problems.into_iter().map(|p| {
        let message = format!("{}: {}", p.field, p.message);
        async_graphql::Error::new(message).extend_with(move |_, e| {
            e.set("code", "BAD_USER_INPUT");
            e.set("field", p.field.as_str());
            if let Some(item) = &p.item {
                e.set("item", item.as_str());
            }
        })
    });
    let first = errors.next().unwrap_or_else(|| async_graphql::Error::new("invalid input"));
    for other in errors {
        ctx.add_error(ctx.set_error_path(other.into_server_error(ctx.item.pos)));
    }
    first
}

fn payload<T: OutputType + super::connection::FromEntity>(edited: Edited) -> Result<Payload<T>> {
    let item =
        edited.entity.and_then(T::from_entity).ok_or_else(|| internal("the changed entity is gone"))?;
    Ok(Payload { item, version: edited.version, revision: edited.revision })
}
