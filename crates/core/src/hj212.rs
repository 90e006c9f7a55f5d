//! HJ 212-2017, the data transmission standard China's environmental and
//! noise monitoring stations speak: frames, their check, the data segment,
//! the server's answers, and the noise readings uploads carry.
//!
//! Pure: bytes in, events and packets out, frames out as text. The server
//! owns the sockets; the device simulator and the tests write uploads with
//! [`encode_upload`].
//!
//! A session with a device, as the server runs it:
//! 1. push what was read into a [`FrameDecoder`] and take its events;
//! 2. [`parse`] each frame's data segment into a [`Packet`];
//! 3. check the password and device, read the [`noise_reading`], store it;
//! 4. answer an upload that wants it with a [`data_reply`], or refuse with a
//!    [`request_reply`] carrying the failure's [`QnRtn`]
//!    ([`PacketError::qn_rtn`], [`ReadingError::qn_rtn`], [`BadCrc::qn_rtn`]
//!    for a frame that failed its check, addressed through [`ReplyTo::salvaged`]).

pub mod codes;
pub mod cp;
pub mod crc;
pub mod encode;
pub mod frame;
pub mod packet;
pub mod reading;
pub mod reply;

#[cfg(test)]
mod tests;

pub use codes::{QnRtn, cn, st};
pub use cp::{Cp, CpError};
pub use crc::{crc_text, crc16};
pub use encode::{EncodeError, NoiseUpload, encode, encode_upload, frame, segment};
pub use frame::{BadCrc, FrameDecoder, FrameEvent, MAX_DATA_LEN, STANDARD_MAX_DATA_LEN, SkipReason};
pub use packet::{Flag, Packet, PacketError, Part, Qn, parse};
pub use reading::{DataTimeMarks, DeviceSettings, NoiseFactor, ReadingError, noise_reading};
pub use reply::{ReplyTo, Salvage, data_reply, request_reply};

/// The instrument's mark on each value (数据标记), shared with readings sent over HTTP.
pub use crate::domain::monitor::DataFlag;
