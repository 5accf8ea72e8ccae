//! A Linux TUN device: IP packets in and out of the kernel, without packet-info headers.
//!
//! The agent only opens the device; addresses, routes and NAT are the operator's (or the
//! test's) business, done with `ip` and `nft` as for any interface.

use std::{
	io,
	os::fd::{AsRawFd, FromRawFd, OwnedFd},
};

use tokio::io::{unix::AsyncFd, Interest};

/// An open TUN device.
pub struct Tun {
	fd: AsyncFd<OwnedFd>,
	name: String,
}

#[repr(C)]
struct IfReq {
	name: [libc::c_char; libc::IFNAMSIZ],
	flags: libc::c_short,
	_pad: [u8; 22],
}

const TUNSETIFF: libc::c_ulong = 0x4004_54ca;

/// Become `user` (its uid, its primary gid, no supplementary groups) for good. Called once the
/// TUN device and the sockets are open, so the process that parses Internet input does not
/// keep root.
pub fn drop_privileges(user: &str) -> io::Result<()> {
	let name = std::ffi::CString::new(user)
		.map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "bad user name"))?;
	// SAFETY: an all-zero passwd is a valid out-parameter; `buf` outlives the call and the
	// result's strings, which we do not keep.
	let (uid, gid) = unsafe {
		let mut pw: libc::passwd = std::mem::zeroed();
		let mut buf = vec![0 as libc::c_char; 4096];
		let mut out: *mut libc::passwd = std::ptr::null_mut();
		let r = libc::getpwnam_r(name.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut out);
		if r != 0 || out.is_null() {
			return Err(io::Error::new(io::ErrorKind::NotFound, format!("no user {user:?}")));
		}
		(pw.pw_uid, pw.pw_gid)
	};
	// SAFETY: plain credential system calls; glibc applies them to every thread.
	unsafe {
		if libc::setgroups(0, std::ptr::null()) != 0
			|| libc::setgid(gid) != 0
			|| libc::setuid(uid) != 0
		{
			return Err(io::Error::last_os_error());
		}
		// Dropped for good: root cannot be had back.
		if uid != 0 && libc::setuid(0) == 0 {
			return Err(io::Error::other("privileges could be regained"));
		}
	}
	Ok(())
}

impl Tun {
	/// Open (creating if needed) the TUN device `name`. Needs CAP_NET_ADMIN.
	pub fn open(name: &str) -> io::Result<Tun> {
		if name.is_empty() || name.len() >= libc::IFNAMSIZ {
			return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad interface name"));
		}
		// SAFETY: a plain open(2) of a NUL-terminated path.
		let raw = unsafe {
			libc::open(c"/dev/net/tun".as_ptr(), libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC)
		};
		if raw < 0 {
			return Err(io::Error::last_os_error());
		}
		// SAFETY: `raw` is a fresh descriptor we own.
		let fd = unsafe { OwnedFd::from_raw_fd(raw) };
		let mut req = IfReq {
			name: [0; libc::IFNAMSIZ],
			flags: (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short,
			_pad: [0; 22],
		};
		for (d, s) in req.name.iter_mut().zip(name.bytes()) {
			*d = s as libc::c_char;
		}
		// SAFETY: TUNSETIFF reads and writes one `struct ifreq`, which `IfReq` lays out.
		if unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, &mut req) } < 0 {
			return Err(io::Error::last_os_error());
		}
		// SAFETY: `fd` is an owned descriptor that lives exactly as long as the AsyncFd, and
		// nothing else registers or closes it.
		let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
			.map_err(|e| e.into_parts().1)?;
		Ok(Tun { fd, name: name.to_owned() })
	}

	/// The interface name.
	pub fn name(&self) -> &str {
		&self.name
	}

	/// Wait until a packet can be read.
	pub async fn readable(&self) -> io::Result<()> {
		self.fd.ready(Interest::READABLE).await.map(|mut g| g.clear_ready())
	}

	/// Read one packet without blocking; `Err(WouldBlock)` when none waits.
	pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
		// SAFETY: reading into a live mutable buffer of the given length.
		let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr() as *mut _, buf.len()) };
		if n < 0 {
			Err(io::Error::last_os_error())
		} else {
			Ok(n as usize)
		}
	}

	/// Write one packet; a full queue drops it (the kernel would too).
	pub fn write(&self, pkt: &[u8]) -> io::Result<usize> {
		// SAFETY: writing from a live buffer of the given length.
		let n = unsafe { libc::write(self.fd.as_raw_fd(), pkt.as_ptr() as *const _, pkt.len()) };
		if n < 0 {
			Err(io::Error::last_os_error())
		} else {
			Ok(n as usize)
		}
	}
}

/// Source and destination of an IPv4 or IPv6 packet.
pub fn ip_addrs(pkt: &[u8]) -> Option<(std::net::IpAddr, std::net::IpAddr)> {
	match pkt.first()? >> 4 {
		4 if pkt.len() >= 20 => {
			let s: [u8; 4] = pkt[12..16].try_into().ok()?;
			let d: [u8; 4] = pkt[16..20].try_into().ok()?;
			Some((s.into(), d.into()))
		},
		6 if pkt.len() >= 40 => {
			let s: [u8; 16] = pkt[8..24].try_into().ok()?;
			let d: [u8; 16] = pkt[24..40].try_into().ok()?;
			Some((s.into(), d.into()))
		},
		_ => None,
	}
}
