//! The check of HJ 212-2017 Appendix A, over the data segment only.
//!
//! It is not CRC-16/MODBUS: before each byte the register drops its low
//! byte (`reg >> 8`) and only then takes the byte in. The result is written
//! as four hex digits, most significant first (`1C80`), with no byte swap.
//!
//! Because the register keeps only its high byte from one byte to the next,
//! the check is weaker than a true CRC; it still catches any single changed
//! byte: the high bytes of the 256 table entries are all different, so a
//! change anywhere carries through to a different result.

/// The check of a data segment, as the standard's reference routine computes it.
pub fn crc16(data: &[u8]) -> u16 {
    let mut reg: u16 = 0xFFFF;
    for &byte in data {
        reg = (reg >> 8) ^ u16::from(byte);
        for _ in 0..8 {
            let carry = reg & 1 != 0;
            reg >>= 1;
            if carry {
                reg ^= 0xA001;
            }
        }
    }
    reg
}

/// The check written as the standard writes it: four upper-case hex digits.
pub fn crc_text(data: &[u8]) -> String {
    format!("{:04X}", crc16(data))
}

/// Reads four hex digits in either case, as devices write them.
pub fn parse_crc_text(text: &[u8]) -> Option<u16> {
    if text.len() != 4 || !text.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(std::str::from_utf8(text).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard's own example, a "get real-time interval" request.
    const STANDARD_EXAMPLE: &str =
        "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";

    #[test]
    fn the_standards_example_checks_to_1c80_and_not_to_the_modbus_value() {
        assert_eq!(STANDARD_EXAMPLE.len(), 101);
        assert_eq!(crc_text(STANDARD_EXAMPLE.as_bytes()), "1C80");
        assert_ne!(crc16(STANDARD_EXAMPLE.as_bytes()), 0x0759, "that is CRC-16/MODBUS");
    }

    #[test]
    fn the_usual_check_string_and_the_empty_segment_give_the_known_values() {
        assert_eq!(crc16(b"123456789"), 0x2F80);
        assert_eq!(crc16(b""), 0xFFFF);
    }

    #[test]
    fn published_upload_examples_check_to_their_written_values() {
        let realtime = "QN=20240501120000123;ST=23;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;\
                        CP=&&DataTime=20240501120000;LA-Rtd=55.3,LA-Flag=N&&";
        assert_eq!(crc_text(realtime.as_bytes()), "8EC1");
        let noise = "QN=20160801085857223;ST=23;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;\
                     CP=&&DataTime=20160801085857;LA-Rtd=50.1&&";
        assert_eq!(crc_text(noise.as_bytes()), "0880", "leading zeros are kept");
    }

    #[test]
    fn the_low_byte_of_a_check_is_always_one_of_eight_values() {
        for text in ["a", "QN=1", STANDARD_EXAMPLE, "CP=&&&&"] {
            let low = crc16(text.as_bytes()) & 0xFF;
            assert!([0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1].contains(&low), "{text}");
        }
    }

    #[test]
    fn check_text_is_read_in_either_case_and_nothing_else() {
        assert_eq!(parse_crc_text(b"1c80"), Some(0x1C80));
        assert_eq!(parse_crc_text(b"1C80"), Some(0x1C80));
        for bad in [&b"1C8"[..], b"1C80\r", b"+C80", b"1G80", b" 1C8"] {
            assert_eq!(parse_crc_text(bad), None, "{bad:?}");
        }
    }
}
