//! # ditex-relay
//!
//! The relay agent: carries traffic over source-routed paths of registered segment routers,
//! measures its group with pulses, routes around bad paths and counts what it carries.
//!
//! The crate is a sans-IO core inside a thin I/O shell, as quinn-proto and boringtun are:
//!
//! | module | responsibility |
//! | --- | --- |
//! | [`wire`] | hop MACs, pulse MACs, the inner payload format (formats: [`ditex_primitives::wire`]) |
//! | [`registry`] | the registry view: segment id → endpoint, key, price; next hops resolve only here |
//! | [`channel`] | admission by escrow channel, credit, receipts and acks kept |
//! | [`session`] | Noise IK sessions between a channel's ingress and egress, rekeyed |
//! | [`replay`] | sliding replay windows over packet counters |
//! | [`dataplane`] | forwarding state machine: `handle_datagram` → forward / deliver / drop |
//! | [`egress`] | exit policy (allow list over a floor of denied networks), bounded reply tables |
//! | [`link`] | link metrics and the view of them, shared by pulse and routing |
//! | [`pulse`] | pulses, per-peer relative latency, jitter, loss, baselines, skew |
//! | [`resolve`] | segments a path names that the view lacks, looked up on demand, bounded |
//! | [`routing`] | default path versus one- and two-relay detours, with hysteresis |
//! | [`tickets`] | the ticket of each epoch, built, signed and queued until final |
//! | [`batch`] | a group's tickets gathered by its reporter into one transaction |
//! | [`report`] | the group reporter's signed report of its era |
//! | [`qos`] | QoS orders on this router: accept or reject, the `tc`/`htb` changes, reconciliation |
//! | [`accounting`] | byte counters per peer and per flow, persisted atomically |
//! | [`dashboard`] | the operator's page and its latency matrix with detours marked |
//! | [`config`] | the TOML config and its documented defaults |
//! | [`shell`] | tokio sockets with batched I/O, TUN, timers, status file |
//!
//! Everything but [`shell`] is pure: it takes `now` as an argument and returns what to send.

#![warn(missing_docs)]

pub mod accounting;
pub mod batch;
pub mod channel;
pub mod config;
pub mod dashboard;
pub mod dataplane;
pub mod egress;
pub mod link;
pub mod pulse;
pub mod qos;
pub mod registry;
pub mod replay;
pub mod report;
pub mod resolve;
pub mod routing;
pub mod session;
pub mod shell;
pub mod tickets;
pub mod wire;
