//! The accept loop: HTTP/1 connections with a header-read timeout, an idle
//! timeout and caps on open connections, in total and per client address.
//!
//! `axum::serve` accepts every connection and keeps it as long as the
//! client likes, so idle sockets from one address could use up the
//! process's file descriptors. Here a connection over a cap is accepted and
//! closed at once (the listener keeps draining its backlog), and an accept
//! that fails for lack of descriptors backs off briefly instead of spinning.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};

use crate::client_ip::{TrustedProxies, limit_key};

/// Connection limits of the server.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections in total (WebSockets included).
    pub max_connections: usize,
    /// Open connections per client address (IPv6: per /64); trusted
    /// proxies are exempt.
    pub max_per_ip: u32,
    /// Time to receive a request's head, counted from when the server
    /// starts waiting for it: also how long a kept-alive connection may wait
    /// for its next request.
    pub header_read_timeout: Duration,
    /// A connection on which nothing is read or written for this long is
    /// closed (slow bodies, stalled readers, silent WebSockets).
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 10_000,
            max_per_ip: 256,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Counts what is open, in total and per address; bounded by the total
/// (an address's entry goes when its count returns to zero).
#[derive(Debug)]
pub struct OpenCounter {
    max_total: usize,
    max_per_key: u32,
    state: Mutex<(usize, HashMap<IpAddr, u32>)>,
}

impl OpenCounter {
    pub fn new(max_total: usize, max_per_key: u32) -> Arc<Self> {
        Arc::new(OpenCounter {
            max_total,
            max_per_key,
            state: Mutex::new((0, HashMap::new())),
        })
    }

    /// A slot for one more, unless a cap is reached. `key` None counts only
    /// towards the total.
    pub fn try_acquire(self: &Arc<Self>, key: Option<IpAddr>) -> Option<OpenGuard> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.0 >= self.max_total {
            return None;
        }
        if let Some(k) = key {
            let n = st.1.entry(k).or_insert(0);
            if *n >= self.max_per_key {
                if *n == 0 {
                    st.1.remove(&k);
                }
                return None;
            }
            *n += 1;
        }
        st.0 += 1;
        Some(OpenGuard {
            counter: self.clone(),
            key,
        })
    }

    /// Open in total.
    pub fn open(&self) -> usize {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0
    }
}

/// One open slot; freed when dropped.
#[derive(Debug)]
pub struct OpenGuard {
    counter: Arc<OpenCounter>,
    key: Option<IpAddr>,
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        let mut st = self.counter.state.lock().unwrap_or_else(|e| e.into_inner());
        st.0 = st.0.saturating_sub(1);
        if let Some(k) = self.key
            && let Some(n) = st.1.get_mut(&k)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                st.1.remove(&k);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` turns true, then stops
/// accepting, lets requests in flight finish and returns when their
/// connections have closed (upgraded WebSockets watch `shutdown` themselves).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    trusted: TrustedProxies,
    mut shutdown: watch::Receiver<bool>,
) {
    // Rails ignores a trailing slash, and Chatwoot's clients and OpenAPI
    // document use such paths: `/inboxes/` routes as `/inboxes`.
    let app = tower_http::normalize_path::NormalizePath::trim_trailing_slash(app);
    let open = OpenCounter::new(limits.max_connections, limits.max_per_ip);
    // Each connection task holds a receiver; all gone = all closed.
    let (closed_tx, closed_rx) = watch::channel(());
    let mut accept_errors_logged = 0u32;
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(x) => {
                accept_errors_logged = 0;
                x
            }
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of descriptors or memory: wait a little for some to be
                // freed instead of spinning on the same error.
                if accept_errors_logged < 3 {
                    tracing::warn!(error = %e, "accepting a connection failed; backing off");
                    accept_errors_logged += 1;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(guard) = open.try_acquire(cap_key(peer, &trusted)) else {
            // Closed at once: the client sees the connection end.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = IdleTimeout::new(stream, limits.idle_timeout, guard);
        let app = app.clone();
        let mut stop = shutdown.clone();
        let closed = closed_rx.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                tower::ServiceExt::oneshot(app.clone(), req.map(Body::new))
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .keep_alive(true);
            let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service).with_upgrades());
            let mut stopping = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "connection ended");
                        }
                        break;
                    }
                    _ = stop.wait_for(|stop| *stop), if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(closed);
        });
    }
    drop(listener);
    drop(closed_rx);
    closed_tx.closed().await;
}

/// Errors of one connection (it went away before we took it), not of the
/// listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// A TCP stream that fails its reads and writes once nothing has moved in
/// either direction for `idle`; holds the connection's slot until dropped
/// (after an upgrade the WebSocket owns it).
struct IdleTimeout {
    inner: TcpStream,
    idle: Duration,
    last: Instant,
    timer: Pin<Box<Sleep>>,
    _slot: OpenGuard,
}

impl IdleTimeout {
    fn new(inner: TcpStream, idle: Duration, slot: OpenGuard) -> Self {
        let last = Instant::now();
        IdleTimeout {
            inner,
            idle,
            last,
            timer: Box::pin(tokio::time::sleep_until(last + idle)),
            _slot: slot,
        }
    }

    /// Called while an operation is pending: an error once idle too long.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        loop {
            let deadline = self.last + self.idle;
            if self.timer.deadline() != deadline {
                self.timer.as_mut().reset(deadline);
            }
            match self.timer.as_mut().poll(cx) {
                Poll::Pending => return Ok(()),
                Poll::Ready(()) if Instant::now() >= self.last + self.idle => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "connection idle"));
                }
                Poll::Ready(()) => continue,
            }
        }
    }

    fn pending<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.poll_idle(cx) {
            Ok(()) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    this.last = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending => this.pending(cx),
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, data) {
            Poll::Ready(r) => {
                if matches!(r, Ok(n) if n > 0) {
                    this.last = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending => this.pending(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(r) => {
                if matches!(r, Ok(n) if n > 0) {
                    this.last = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending => this.pending(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.pending(cx),
            r => r,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The caps for a client address: `None` when the peer is a trusted proxy.
pub fn cap_key(peer: SocketAddr, trusted: &TrustedProxies) -> Option<IpAddr> {
    (!trusted.contains(peer.ip())).then(|| limit_key(peer.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_caps_total_and_per_key_and_frees_on_drop() {
        let c = OpenCounter::new(3, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let g1 = c.try_acquire(Some(a)).unwrap();
        let _g2 = c.try_acquire(Some(a)).unwrap();
        assert!(c.try_acquire(Some(a)).is_none());
        let _g3 = c.try_acquire(Some(b)).unwrap();
        assert!(c.try_acquire(None).is_none());
        assert_eq!(c.open(), 3);
        drop(g1);
        let _g4 = c.try_acquire(Some(a)).unwrap();
        assert_eq!(c.open(), 3);
        assert!(c.try_acquire(Some(b)).is_none());
    }
}
