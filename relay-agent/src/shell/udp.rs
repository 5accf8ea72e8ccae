//! Batched UDP I/O: `recvmmsg`/`sendmmsg` on a tokio socket, so one system call moves up to a
//! batch of datagrams (as quinn-udp does). Non-Linux systems fall back to one datagram per call.

use std::{
	io,
	net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6},
	os::fd::AsRawFd,
};

use tokio::{io::Interest, net::UdpSocket};

/// Send `data` on a connected socket now, without waiting for the reactor to have seen it
/// writable: tokio's `try_send` reports `WouldBlock` on a socket it has not polled yet, which
/// lost the first datagram of every exit flow.
pub fn send_connected(sock: &UdpSocket, data: &[u8]) -> io::Result<usize> {
	// SAFETY: a send on a valid socket fd from a buffer of `data.len()` bytes.
	let n = unsafe {
		libc::send(sock.as_raw_fd(), data.as_ptr().cast(), data.len(), libc::MSG_DONTWAIT)
	};
	if n < 0 {
		return Err(io::Error::last_os_error());
	}
	Ok(n as usize)
}

/// Largest datagram handled: the longest an ingress builds.
pub const MAX_DATAGRAM: usize = crate::dataplane::MAX_WIRE_LEN;

/// One received datagram's metadata.
#[derive(Clone, Copy, Debug)]
pub struct RecvMeta {
	/// Sender.
	pub from: SocketAddr,
	/// Length.
	pub len: usize,
	/// The datagram was longer than the buffer and was cut (`MSG_TRUNC`): drop it.
	pub truncated: bool,
}

impl Default for RecvMeta {
	fn default() -> Self {
		RecvMeta { from: SocketAddr::from(([0, 0, 0, 0], 0)), len: 0, truncated: false }
	}
}

/// `SocketAddr` → `sockaddr_storage`.
pub fn to_sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
	// SAFETY: sockaddr_storage is plain data; all-zero is a valid value.
	let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
	let len = match addr {
		SocketAddr::V4(a) => {
			let sin = libc::sockaddr_in {
				sin_family: libc::AF_INET as libc::sa_family_t,
				sin_port: a.port().to_be(),
				sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
				sin_zero: [0; 8],
			};
			// SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
			unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
			std::mem::size_of::<libc::sockaddr_in>()
		},
		SocketAddr::V6(a) => {
			let sin6 = libc::sockaddr_in6 {
				sin6_family: libc::AF_INET6 as libc::sa_family_t,
				sin6_port: a.port().to_be(),
				sin6_flowinfo: a.flowinfo(),
				sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
				sin6_scope_id: a.scope_id(),
			};
			// SAFETY: as above, for sockaddr_in6.
			unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
			std::mem::size_of::<libc::sockaddr_in6>()
		},
	};
	(storage, len as libc::socklen_t)
}

/// `addr` as a socket of family `v6` can send to it: an IPv4 address on an IPv6 (dual-stack)
/// socket as its IPv4-mapped form, which the kernel would refuse otherwise.
pub fn for_family(addr: SocketAddr, v6: bool) -> SocketAddr {
	match addr {
		SocketAddr::V4(a) if v6 => {
			SocketAddr::V6(SocketAddrV6::new(a.ip().to_ipv6_mapped(), a.port(), 0, 0))
		},
		a => a,
	}
}

/// `sockaddr_storage` → `SocketAddr` (an IPv4-mapped address as IPv4); `None` for other
/// families.
pub fn from_sockaddr(s: &libc::sockaddr_storage) -> Option<SocketAddr> {
	match s.ss_family as libc::c_int {
		libc::AF_INET => {
			// SAFETY: the family says this is a sockaddr_in.
			let a = unsafe { &*(s as *const _ as *const libc::sockaddr_in) };
			let ip = Ipv4Addr::from(a.sin_addr.s_addr.to_ne_bytes());
			Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(a.sin_port))))
		},
		libc::AF_INET6 => {
			// SAFETY: the family says this is a sockaddr_in6.
			let a = unsafe { &*(s as *const _ as *const libc::sockaddr_in6) };
			let ip = Ipv6Addr::from(a.sin6_addr.s6_addr);
			// An IPv4 peer of a dual-stack socket: the core compares it with the IPv4
			// address the registry holds.
			if let Some(v4) = ip.to_ipv4_mapped() {
				return Some(SocketAddr::V4(SocketAddrV4::new(v4, u16::from_be(a.sin6_port))));
			}
			Some(SocketAddr::V6(SocketAddrV6::new(
				ip,
				u16::from_be(a.sin6_port),
				a.sin6_flowinfo,
				a.sin6_scope_id,
			)))
		},
		_ => None,
	}
}

/// Receive up to `bufs.len()` datagrams without blocking; `Err(WouldBlock)` when none wait.
#[cfg(target_os = "linux")]
pub fn recv_batch(
	sock: &UdpSocket,
	bufs: &mut [Vec<u8>],
	meta: &mut [RecvMeta],
) -> io::Result<usize> {
	let n = bufs.len().min(meta.len());
	sock.try_io(Interest::READABLE, || {
		// SAFETY: zeroed sockaddr_storage/iovec/mmsghdr are valid; every pointer below points
		// into `bufs`, `iov` or `names`, which outlive the call.
		let mut names: Vec<libc::sockaddr_storage> = vec![unsafe { std::mem::zeroed() }; n];
		let mut iov: Vec<libc::iovec> = bufs[..n]
			.iter_mut()
			.map(|b| libc::iovec { iov_base: b.as_mut_ptr() as *mut _, iov_len: b.len() })
			.collect();
		let mut hdrs: Vec<libc::mmsghdr> = (0..n)
			.map(|i| {
				let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
				h.msg_hdr.msg_name = &mut names[i] as *mut _ as *mut _;
				h.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as _;
				h.msg_hdr.msg_iov = &mut iov[i];
				h.msg_hdr.msg_iovlen = 1;
				h
			})
			.collect();
		// SAFETY: `hdrs` holds `n` initialised headers.
		let got = unsafe {
			libc::recvmmsg(
				sock.as_raw_fd(),
				hdrs.as_mut_ptr(),
				n as _,
				libc::MSG_DONTWAIT,
				std::ptr::null_mut(),
			)
		};
		if got < 0 {
			return Err(io::Error::last_os_error());
		}
		for i in 0..got as usize {
			meta[i] = RecvMeta {
				from: from_sockaddr(&names[i]).unwrap_or(meta[i].from),
				len: hdrs[i].msg_len as usize,
				truncated: hdrs[i].msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
			};
		}
		Ok(got as usize)
	})
}

/// Receive one datagram without blocking (non-Linux fallback).
#[cfg(not(target_os = "linux"))]
pub fn recv_batch(
	sock: &UdpSocket,
	bufs: &mut [Vec<u8>],
	meta: &mut [RecvMeta],
) -> io::Result<usize> {
	let (len, from) = sock.try_recv_from(&mut bufs[0])?;
	// Without MSG_TRUNC: a datagram that fills the buffer may have been cut.
	meta[0] = RecvMeta { from, len, truncated: len >= bufs[0].len() };
	Ok(1)
}

/// Send every datagram, batching system calls and waiting when the socket buffer is full.
/// Says for each datagram whether the socket took it: one the kernel refuses outright
/// (unreachable destination, ...) is skipped, and once the buffer stays full the rest are
/// given up on. What was sent is what the caller may count ([`crate::dataplane::Charge`]).
pub async fn send_batch(sock: &UdpSocket, out: &[(SocketAddr, &[u8])]) -> Vec<bool> {
	let mut sent = vec![false; out.len()];
	let mut done = 0;
	// Bounded: a socket that never drains must not wedge the agent.
	let mut stalls = 0;
	while done < out.len() && stalls < 64 {
		match send_some(sock, &out[done..]) {
			Ok(0) => stalls += 1,
			Ok(n) => {
				let n = n.min(out.len() - done);
				sent[done..done + n].fill(true);
				done += n;
			},
			Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
				stalls += 1;
				if sock.writable().await.is_err() {
					break;
				}
			},
			Err(e) => {
				tracing::debug!(to = %out[done].0, error = %e, "send failed");
				done += 1;
			},
		}
	}
	sent
}

/// How many of a [`send_batch`] went and how many did not.
pub fn tally(sent: &[bool]) -> (usize, usize) {
	let ok = sent.iter().filter(|s| **s).count();
	(ok, sent.len() - ok)
}

/// `UDP_SEGMENT` (linux/udp.h): the generic segmentation offload size of a send.
#[cfg(target_os = "linux")]
const UDP_SEGMENT: libc::c_int = 103;
/// Most bytes in one segmented send (the IP length limit, with room for headers).
#[cfg(target_os = "linux")]
const GSO_MAX_BYTES: usize = 64_000;
/// Most segments in one segmented send (the kernel's UDP_MAX_SEGMENTS is 64 or more).
#[cfg(target_os = "linux")]
const GSO_MAX_SEGMENTS: usize = 64;
/// Set once the kernel refuses segmented sends; from then on every datagram goes alone.
#[cfg(target_os = "linux")]
static GSO_OFF: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Send a prefix of `out`; returns how many datagrams went. Runs of datagrams to the same
/// destination with the same size (a relay forwarding one flow) go as one segmented send
/// (UDP GSO), so the kernel walks its send path once per run instead of once per datagram.
#[cfg(target_os = "linux")]
fn send_some(sock: &UdpSocket, out: &[(SocketAddr, &[u8])]) -> io::Result<usize> {
	send_some_with(sock, out, !GSO_OFF.load(std::sync::atomic::Ordering::Relaxed))
}

#[cfg(target_os = "linux")]
fn send_some_with(sock: &UdpSocket, out: &[(SocketAddr, &[u8])], gso: bool) -> io::Result<usize> {
	use std::sync::atomic::Ordering;
	let v6 = sock.local_addr().is_ok_and(|a| a.is_ipv6());
	let out = &out[..out.len().min(1024)];
	// Group consecutive datagrams: same destination, same size (only the last may be shorter).
	let mut groups: Vec<(usize, usize)> = Vec::new();
	let mut i = 0;
	while i < out.len() {
		let (to, first) = out[i];
		let seg = first.len();
		let mut n = 1;
		let mut bytes = seg;
		while gso
			&& i + n < out.len()
			&& n < GSO_MAX_SEGMENTS
			&& out[i + n].0 == to
			&& out[i + n - 1].1.len() == seg
			&& out[i + n].1.len() <= seg
			&& !out[i + n].1.is_empty()
			&& bytes + out[i + n].1.len() <= GSO_MAX_BYTES
		{
			bytes += out[i + n].1.len();
			n += 1;
		}
		groups.push((i, n));
		i += n;
	}
	let r = sock.try_io(Interest::WRITABLE, || {
		let mut names: Vec<(libc::sockaddr_storage, libc::socklen_t)> =
			groups.iter().map(|(start, _)| to_sockaddr(&for_family(out[*start].0, v6))).collect();
		let mut iov: Vec<libc::iovec> = out
			.iter()
			.map(|(_, b)| libc::iovec { iov_base: b.as_ptr() as *mut _, iov_len: b.len() })
			.collect();
		// One aligned control buffer per group, for its segment size.
		let mut cmsgs: Vec<[u64; 4]> = vec![[0; 4]; groups.len()];
		let mut hdrs: Vec<libc::mmsghdr> = Vec::with_capacity(groups.len());
		for (g, (start, n)) in groups.iter().enumerate() {
			// SAFETY: an all-zero mmsghdr is valid; the pointers set below outlive the call
			// and the kernel only reads through them.
			let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
			h.msg_hdr.msg_name = &mut names[g].0 as *mut _ as *mut _;
			h.msg_hdr.msg_namelen = names[g].1;
			h.msg_hdr.msg_iov = &mut iov[*start];
			h.msg_hdr.msg_iovlen = *n as _;
			if *n > 1 {
				let seg = out[*start].1.len() as u16;
				h.msg_hdr.msg_control = cmsgs[g].as_mut_ptr() as *mut _;
				// SAFETY: CMSG_SPACE of a u16 fits the 32-byte buffer; CMSG_FIRSTHDR points
				// into it, and the data write stays inside CMSG_LEN(2).
				unsafe {
					h.msg_hdr.msg_controllen = libc::CMSG_SPACE(2) as _;
					let c = libc::CMSG_FIRSTHDR(&h.msg_hdr);
					(*c).cmsg_level = libc::SOL_UDP;
					(*c).cmsg_type = UDP_SEGMENT;
					(*c).cmsg_len = libc::CMSG_LEN(2) as _;
					std::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut u16, seg);
				}
			}
			hdrs.push(h);
		}
		// SAFETY: `hdrs` holds one initialised header per group.
		let sent = unsafe {
			libc::sendmmsg(sock.as_raw_fd(), hdrs.as_mut_ptr(), hdrs.len() as _, libc::MSG_DONTWAIT)
		};
		if sent < 0 {
			Err(io::Error::last_os_error())
		} else {
			Ok(groups[..sent as usize].iter().map(|(_, n)| n).sum())
		}
	});
	match r {
		// EIO: no segmentation offload on the route's device; EINVAL: an old kernel, or just
		// a destination the kernel refuses (port 0, a family mismatch). Only when the same
		// datagram goes singly is segmentation to blame and turned off for good.
		Err(e)
			if gso
				&& groups[0].1 > 1
				&& matches!(e.raw_os_error(), Some(libc::EIO) | Some(libc::EINVAL)) =>
		{
			let singly = send_some_with(sock, out, false);
			if singly.is_ok() {
				tracing::info!(error = %e, "UDP segmentation offload unavailable; sending singly");
				GSO_OFF.store(true, Ordering::Relaxed);
			}
			singly
		},
		r => r,
	}
}

#[cfg(not(target_os = "linux"))]
fn send_some(sock: &UdpSocket, out: &[(SocketAddr, &[u8])]) -> io::Result<usize> {
	let v6 = sock.local_addr().is_ok_and(|a| a.is_ipv6());
	sock.try_send_to(out[0].1, for_family(out[0].0, v6)).map(|_| 1)
}

/// Grow the socket buffers: bursts of forwarded traffic must not overflow the defaults.
pub fn grow_buffers(sock: &UdpSocket, bytes: usize) {
	let v = bytes as libc::c_int;
	for opt in [libc::SO_RCVBUF, libc::SO_SNDBUF] {
		// SAFETY: setsockopt with a c_int value of the right size.
		unsafe {
			libc::setsockopt(
				sock.as_raw_fd(),
				libc::SOL_SOCKET,
				opt,
				&v as *const _ as *const libc::c_void,
				std::mem::size_of::<libc::c_int>() as libc::socklen_t,
			);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// M4: on a dual-stack listener IPv4 peers arrived as `::ffff:a.b.c.d` (never equal to the
	/// registered IPv4 endpoint) and sends to IPv4 endpoints failed with EINVAL.
	#[tokio::test]
	async fn m4_dual_stack_listener_talks_to_ipv4_peers() {
		let Ok(dual) = UdpSocket::bind("[::]:0").await else {
			eprintln!("SKIP: no IPv6");
			return;
		};
		let port = dual.local_addr().unwrap().port();
		let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
		let peer_addr = peer.local_addr().unwrap();
		peer.send_to(b"ping", ("127.0.0.1", port)).await.unwrap();
		let mut bufs = vec![vec![0u8; MAX_DATAGRAM]; 4];
		let mut meta = vec![RecvMeta::default(); 4];
		let mut n = 0;
		for _ in 0..100 {
			dual.readable().await.unwrap();
			if let Ok(k) = recv_batch(&dual, &mut bufs, &mut meta) {
				n = k;
				break;
			}
		}
		assert_eq!(n, 1);
		assert_eq!(meta[0].from, peer_addr, "seen as the IPv4 address it is");
		let out = [(peer_addr, &b"pong"[..]), (peer_addr, &b"pong"[..])];
		assert_eq!(tally(&send_batch(&dual, &out).await), (2, 0));
		let mut b = [0u8; 8];
		let (k, from) = peer.recv_from(&mut b).await.unwrap();
		assert_eq!((&b[..k], from.port()), (&b"pong"[..], port));
	}

	/// M12: MSG_TRUNC was never looked at, so an oversize datagram was cut to the buffer and
	/// handled as if whole.
	#[tokio::test]
	async fn m12_truncated_datagrams_are_flagged() {
		let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
		let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
		let to = b.local_addr().unwrap();
		a.send_to(&vec![1u8; 3000], to).await.unwrap();
		a.send_to(&[2u8; 100], to).await.unwrap();
		let mut bufs = vec![vec![0u8; MAX_DATAGRAM]; 4];
		let mut meta = vec![RecvMeta::default(); 4];
		let mut got = vec![];
		for _ in 0..100 {
			if got.len() == 2 {
				break;
			}
			b.readable().await.unwrap();
			if let Ok(n) = recv_batch(&b, &mut bufs, &mut meta) {
				got.extend(meta[..n].iter().map(|m| (m.len, m.truncated)));
			}
		}
		assert_eq!(got, vec![(MAX_DATAGRAM, true), (100, false)]);
	}

	/// L11: one refused destination in a segmented run (EINVAL) turned segmentation off for
	/// the whole process.
	#[cfg(target_os = "linux")]
	#[tokio::test]
	async fn l11_a_refused_destination_does_not_turn_segmentation_off() {
		use std::sync::atomic::Ordering;
		let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
		let was_on = !GSO_OFF.load(Ordering::Relaxed);
		// Port 0: the kernel refuses the destination with EINVAL, segmented or not.
		let bad: SocketAddr = "127.0.0.1:0".parse().unwrap();
		let p = vec![7u8; 1000];
		let out = [(bad, &p[..]), (bad, &p[..]), (bad, &p[..])];
		assert_eq!(send_batch(&a, &out).await, vec![false; 3]);
		if was_on {
			assert!(!GSO_OFF.load(Ordering::Relaxed), "segmentation stays on");
		}
	}

	/// L8: `send_batch` said only how many datagrams failed, not which, so the shell could
	/// not count just what left; it counted everything before the send.
	#[tokio::test]
	async fn l8_each_datagram_is_reported_sent_or_not() {
		let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
		let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
		let (to, bad) = (b.local_addr().unwrap(), "127.0.0.1:0".parse().unwrap());
		let p = vec![7u8; 1000];
		// A refused destination between good ones, in runs a segmented send would group.
		let out = [(to, &p[..]), (to, &p[..]), (bad, &p[..]), (bad, &p[..]), (to, &p[..])];
		assert_eq!(send_batch(&a, &out).await, vec![true, true, false, false, true]);
		let mut got = 0;
		let mut buf = [0u8; 2048];
		while got < 3 {
			b.recv_from(&mut buf).await.unwrap();
			got += 1;
		}
	}

	#[tokio::test]
	async fn batch_round_trip_on_loopback() {
		let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
		let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
		let to = b.local_addr().unwrap();
		// Varied sizes, then a run of equal ones with a shorter tail (a segmented send).
		let mut payloads: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i; 100 + i as usize]).collect();
		payloads.extend((20..39u8).map(|i| vec![i; 1200]));
		payloads.push(vec![39; 700]);
		let out: Vec<(SocketAddr, &[u8])> = payloads.iter().map(|p| (to, &p[..])).collect();
		assert_eq!(tally(&send_batch(&a, &out).await), (40, 0));
		let mut bufs = vec![vec![0u8; MAX_DATAGRAM]; 32];
		let mut meta = vec![RecvMeta::default(); 32];
		let mut got = 0;
		// Bounded wait: the datagrams are on loopback already.
		for _ in 0..100 {
			if got == 40 {
				break;
			}
			b.readable().await.unwrap();
			if let Ok(n) = recv_batch(&b, &mut bufs, &mut meta) {
				for i in 0..n {
					assert_eq!(meta[i].from, a.local_addr().unwrap());
					assert_eq!(&bufs[i][..meta[i].len], &payloads[got + i][..]);
				}
				got += n;
			}
		}
		assert_eq!(got, 40);
	}
}
