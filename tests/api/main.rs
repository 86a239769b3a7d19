//! Integration tests: the real server over real HTTP, a real sled store in a temp dir.
//! One test binary, so the suite links once.

mod caching;
mod durability;
mod editing;
mod facts;
mod filters;
mod hardening;
mod helpers;
mod http;
mod limits;
mod lists;
mod live;
mod node;
mod pagination;
mod persisted;
mod playground;
mod search;
mod seed;
mod sync;
