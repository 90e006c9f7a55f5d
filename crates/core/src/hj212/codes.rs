//! The standard's code tables a noise server needs: system codes (`ST`),
//! command codes (`CN`) and request return codes (`QnRtn`).

use std::fmt;

/// System codes (`ST`) a noise server meets.
pub mod st {
    /// 声环境质量监测: ambient noise stations.
    pub const AMBIENT_NOISE: u8 = 23;
    /// 声环境污染源: noise emission sources.
    pub const NOISE_SOURCE: u8 = 36;
    /// 系统交互: the replies.
    pub const SYSTEM: u8 = 91;
}

/// Command codes (`CN`) a noise server meets.
pub mod cn {
    /// Real-time data (上传污染物实时数据).
    pub const REALTIME: u16 = 2011;
    /// Minute data (分钟数据), over the device's minute interval.
    pub const MINUTE: u16 = 2051;
    /// Hourly data (小时数据).
    pub const HOUR: u16 = 2061;
    /// Daily data (日历史数据).
    pub const DAY: u16 = 2031;
    /// A device's first answer to a request (请求应答), carrying `QnRtn`.
    pub const REQUEST_REPLY: u16 = 9011;
    /// A device's result of a request (执行结果), carrying `ExeRtn`.
    pub const EXECUTION_RESULT: u16 = 9012;
    /// The answer to a notification (通知应答).
    pub const NOTIFICATION_REPLY: u16 = 9013;
    /// The server's acknowledgement of an upload (数据应答).
    pub const DATA_REPLY: u16 = 9014;
}

/// The standard's request return codes (`QnRtn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QnRtn {
    /// 1: ready to carry out the request.
    Ready,
    /// 2: request refused.
    Rejected,
    /// 3: wrong password.
    Password,
    /// 4: wrong or unknown device (MN).
    Mn,
    /// 5: wrong system code (ST).
    St,
    /// 6: wrong flag.
    Flag,
    /// 7: wrong request number (QN).
    Qn,
    /// 8: wrong or unsupported command (CN).
    Cn,
    /// 9: check (CRC) failed.
    Crc,
    /// 100: any other failure.
    Unknown,
}

impl QnRtn {
    /// The number written in `QnRtn=`.
    pub fn code(self) -> u16 {
        match self {
            QnRtn::Ready => 1,
            QnRtn::Rejected => 2,
            QnRtn::Password => 3,
            QnRtn::Mn => 4,
            QnRtn::St => 5,
            QnRtn::Flag => 6,
            QnRtn::Qn => 7,
            QnRtn::Cn => 8,
            QnRtn::Crc => 9,
            QnRtn::Unknown => 100,
        }
    }

    /// The code of a number, if the standard defines it.
    pub fn from_code(code: u16) -> Option<Self> {
        [
            QnRtn::Ready,
            QnRtn::Rejected,
            QnRtn::Password,
            QnRtn::Mn,
            QnRtn::St,
            QnRtn::Flag,
            QnRtn::Qn,
            QnRtn::Cn,
            QnRtn::Crc,
            QnRtn::Unknown,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

impl fmt::Display for QnRtn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_standards_numbers() {
        for code in [1, 2, 3, 4, 5, 6, 7, 8, 9, 100] {
            assert_eq!(QnRtn::from_code(code).map(QnRtn::code), Some(code));
        }
        assert_eq!(QnRtn::from_code(10), None);
    }
}
