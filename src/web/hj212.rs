//! The HJ 212-2017 listener: noise monitors connect over TCP and upload
//! real-time, minute and hourly data, which are stored through the same
//! use case as readings sent over HTTP (`app::monitor_readings`).
//!
//! Each connection is read as it arrives into a [`FrameDecoder`], which
//! resynchronises on the next `##` after garbage. Every packet that wants
//! an answer and is stored gets the data reply (9014); every refused one
//! gets a request reply (9011) carrying the standard's code — 9 bad CRC,
//! 3 wrong password, 4 unknown MN, 8 no noise data, 2 a reading refused —
//! whenever its request number and device can be read, whether or not it
//! asked for an answer. A connection is closed when it sends nothing for
//! the idle timeout, leaves a frame incomplete past the frame timeout
//! (slow clients), drops more garbage than a frame's worth many times
//! over, or is refused too often; no connection holds more than one
//! frame of bytes. An address whose packets are refused too often (or
//! whose connections keep being closed) is turned away for a while: its
//! new connections are closed on arrival.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::app::monitor_readings;
use crate::config::Hj212Settings;
use crate::db::Db;
use crate::hj212::{FrameDecoder, FrameEvent, QnRtn, ReplyTo, Salvage, data_reply, parse, request_reply};
use crate::time::Clock;

/// Longest data segment taken: the standard's 1024 bytes, with room for
/// devices that send more.
const MAX_SEGMENT: usize = 4096;
/// Refusals after which a connection is closed.
const MAX_REFUSALS: u32 = 50;
/// Garbage bytes after which a connection is closed.
const MAX_GARBAGE: usize = 64 * 1024;
/// How long an answer may take to be written.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Strikes a connection closed for misbehaving (garbage, stalled frames,
/// too many refusals) earns its address.
const CLOSED_STRIKES: u32 = 10;
/// Addresses remembered at most; past it, those whose window has passed
/// are forgotten.
const MAX_ADDRESSES: usize = 65_536;

/// Refusals by address, over a window: the listener's memory of who
/// keeps sending what it refuses, across connections.
struct Strikes {
    limit: u32,
    window: Duration,
    by_address: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Strikes {
    fn new(settings: &Hj212Settings) -> Self {
        Self { limit: settings.address_strikes, window: settings.strike_window, by_address: Mutex::default() }
    }

    /// Counts `n` strikes against `ip`.
    fn strike(&self, ip: IpAddr, n: u32) {
        let mut map = self.by_address.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ADDRESSES {
            let window = self.window;
            map.retain(|_, (since, _)| since.elapsed() < window);
        }
        let entry = map.entry(ip).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(n);
    }

    /// Whether `ip` has earned more strikes than allowed in its window.
    fn barred(&self, ip: IpAddr) -> bool {
        let map = self.by_address.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&ip).is_some_and(|(since, n)| since.elapsed() < self.window && *n > self.limit)
    }
}

/// A bound listener, not yet serving.
pub struct Hj212Listener {
    listener: std::net::TcpListener,
    settings: Hj212Settings,
}

impl Hj212Listener {
    /// Binds the address of `settings`.
    pub fn bind(settings: Hj212Settings) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(&settings.bind)?;
        listener.set_nonblocking(true)?;
        Ok(Self { listener, settings })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until the task is dropped, each served on a
    /// task of its own.
    pub async fn serve(self, db: Db, clock: Clock) -> std::io::Result<()> {
        let listener = TcpListener::from_std(self.listener)?;
        let slots = Arc::new(Semaphore::new(self.settings.max_connections));
        let strikes = Arc::new(Strikes::new(&self.settings));
        let settings = Arc::new(self.settings);
        tracing::info!(address = %listener.local_addr()?, "HJ 212 listener serving");
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors and the like: wait, do not spin.
                    tracing::warn!(cause = %e, "HJ 212 accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            if strikes.barred(peer.ip()) {
                tracing::debug!(%peer, "HJ 212 connection closed: too many refusals from its address");
                drop(stream);
                continue;
            }
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                tracing::warn!(%peer, "HJ 212 connection refused: too many connections");
                drop(stream);
                continue;
            };
            let (db, clock, settings, strikes) = (db.clone(), clock.clone(), settings.clone(), strikes.clone());
            tokio::spawn(async move {
                let _slot = slot;
                Connection::new(stream, peer, &settings, strikes).run(&db, &clock).await;
            });
        }
    }
}

/// One device's connection.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    address: String,
    decoder: FrameDecoder,
    idle_timeout: Duration,
    frame_timeout: Duration,
    /// When the frame now buffered began arriving.
    partial_since: Option<Instant>,
    refusals: u32,
    garbage: usize,
    /// Its address's strikes, shared with the listener.
    strikes: Arc<Strikes>,
}

/// Why a connection ends.
enum End {
    Closed,
    Idle,
    Slow,
    Failed(std::io::Error),
    TooManyRefusals,
    Garbage,
}

impl Connection {
    fn new(stream: TcpStream, peer: SocketAddr, settings: &Hj212Settings, strikes: Arc<Strikes>) -> Self {
        Self {
            stream,
            peer,
            address: peer.ip().to_string(),
            decoder: FrameDecoder::with_max_len(MAX_SEGMENT),
            idle_timeout: settings.idle_timeout,
            frame_timeout: settings.frame_timeout,
            partial_since: None,
            refusals: 0,
            garbage: 0,
            strikes,
        }
    }

    async fn run(mut self, db: &Db, clock: &Clock) {
        let end = self.serve(db, clock).await;
        let peer = self.peer;
        if matches!(end, End::Slow | End::TooManyRefusals | End::Garbage) {
            self.strikes.strike(peer.ip(), CLOSED_STRIKES);
        }
        match end {
            End::Closed => tracing::debug!(%peer, "HJ 212 connection closed by the device"),
            End::Idle => tracing::debug!(%peer, "HJ 212 connection closed: idle"),
            End::Slow => tracing::warn!(%peer, "HJ 212 connection closed: a frame left incomplete"),
            End::Failed(e) => tracing::debug!(%peer, cause = %e, "HJ 212 connection failed"),
            End::TooManyRefusals => tracing::warn!(%peer, "HJ 212 connection closed: too many refused packets"),
            End::Garbage => tracing::warn!(%peer, "HJ 212 connection closed: too much that is not HJ 212"),
        }
        let _ = self.stream.shutdown().await;
    }

    async fn serve(&mut self, db: &Db, clock: &Clock) -> End {
        let mut buf = vec![0u8; 8192];
        loop {
            let wait = match self.partial_since {
                Some(since) => self.frame_timeout.saturating_sub(since.elapsed()),
                None => self.idle_timeout,
            };
            let read = tokio::time::timeout(wait, self.stream.read(&mut buf)).await;
            let n = match read {
                Err(_) if self.partial_since.is_some() => return End::Slow,
                Err(_) => return End::Idle,
                Ok(Err(e)) => return End::Failed(e),
                Ok(Ok(0)) => {
                    // A last frame lacking only its CR LF is still taken.
                    self.decoder.finish();
                    let _ = self.drain(db, clock).await;
                    return End::Closed;
                }
                Ok(Ok(n)) => n,
            };
            self.decoder.push(&buf[..n]);
            if let Err(end) = self.drain(db, clock).await {
                return end;
            }
            self.partial_since = match (self.decoder.buffered(), self.partial_since) {
                (0, _) => None,
                (_, Some(since)) => Some(since),
                (_, None) => Some(Instant::now()),
            };
        }
    }

    /// Answers every event the bytes read so far make.
    async fn drain(&mut self, db: &Db, clock: &Clock) -> Result<(), End> {
        while let Some(event) = self.decoder.next_event() {
            // A frame completed: the next one starts its own clock.
            self.partial_since = None;
            let answer = match event {
                FrameEvent::Frame(segment) => self.packet(&segment, db, clock).await,
                FrameEvent::BadCrc(bad) => {
                    tracing::warn!(peer = %self.peer, mn = ?bad.salvage.mn, "HJ 212 frame refused: bad CRC");
                    self.refused(&bad.salvage, bad.qn_rtn())
                }
                FrameEvent::Skipped { bytes, reason } => {
                    tracing::debug!(peer = %self.peer, bytes, ?reason, "HJ 212 bytes skipped");
                    self.garbage += bytes;
                    if self.garbage > MAX_GARBAGE {
                        return Err(End::Garbage);
                    }
                    None
                }
            };
            if let Some(answer) = answer {
                match tokio::time::timeout(WRITE_TIMEOUT, self.stream.write_all(answer.as_bytes())).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(End::Failed(e)),
                    Err(_) => return Err(End::Slow),
                }
            }
            if self.refusals > MAX_REFUSALS {
                return Err(End::TooManyRefusals);
            }
        }
        Ok(())
    }

    /// A request reply with `code`, when the header names whom to answer.
    fn refused(&mut self, salvage: &Salvage, code: QnRtn) -> Option<String> {
        self.refusals += 1;
        self.strikes.strike(self.peer.ip(), 1);
        ReplyTo::salvaged(salvage).map(|to| request_reply(&to, code))
    }

    async fn packet(&mut self, segment: &str, db: &Db, clock: &Clock) -> Option<String> {
        let packet = match parse(segment) {
            Ok(packet) => packet,
            Err(e) => {
                tracing::warn!(peer = %self.peer, cause = %e, "HJ 212 packet unreadable");
                return self.refused(&Salvage::from_segment(segment.as_bytes()), e.qn_rtn());
            }
        };
        match monitor_readings::receive_packet(db, &packet, &self.address, clock.now()).await {
            Ok(_) => packet.wants_reply().then(|| ReplyTo::of(&packet).map(|to| data_reply(&to))).flatten(),
            Err(code) => {
                self.refusals += 1;
                self.strikes.strike(self.peer.ip(), 1);
                ReplyTo::of(&packet).map(|to| request_reply(&to, code))
            }
        }
    }
}
