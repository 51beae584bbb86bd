//! How numbers, times and payloads are written on the pages. Pure.

/// At most this much of a payload is shown.
pub const PAYLOAD_SHOWN: usize = 64 * 1024;

/// `ms` milliseconds as a short duration: `850 ms`, `12.5 s`, `3 min`, `2.1 h`.
pub fn duration(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{:.1} s", ms as f64 / 1_000.0),
        60_000..=3_599_999 => format!("{} min", ms / 60_000),
        _ => format!("{:.1} h", ms as f64 / 3_600_000.0),
    }
}

/// `bytes` in binary units: `512 B`, `64.0 MiB`.
pub fn bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `ms` since the Unix epoch as a UTC time, `2026-12-02 08:06:24`.
pub fn time(ms: i64) -> String {
    let seconds = ms.div_euclid(1_000);
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        second_of_day / 3_600,
        second_of_day % 3_600 / 60,
        second_of_day % 60
    )
}

/// The date of `days` since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
/// algorithm: exact for every day, no table).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A payload as shown: pretty JSON, text, or hex; cut at [`PAYLOAD_SHOWN`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Valid JSON, indented.
    Json(String),
    /// UTF-8 text that is not JSON.
    Text(String),
    /// Bytes that are not UTF-8, as hex pairs.
    Hex(String),
}

impl Shown {
    /// The text to show.
    pub fn text(&self) -> &str {
        match self {
            Self::Json(text) | Self::Text(text) | Self::Hex(text) => text,
        }
    }

    /// The CSS class naming its kind.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Json(_) => "payload json",
            Self::Text(_) => "payload text",
            Self::Hex(_) => "payload hex",
        }
    }
}

/// How `payload` is shown, and whether it was cut.
pub fn payload(payload: &[u8]) -> (Shown, bool) {
    let cut = payload.len() > PAYLOAD_SHOWN;
    let head = &payload[..payload.len().min(PAYLOAD_SHOWN)];
    if !cut {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(head) {
            if let Ok(pretty) = serde_json::to_string_pretty(&value) {
                return (Shown::Json(pretty), false);
            }
        }
    }
    let shown = match std::str::from_utf8(head) {
        Ok(text) => Shown::Text(text.to_owned()),
        Err(_) => Shown::Hex(hex(head)),
    };
    (shown, cut)
}

/// Bytes as space-separated hex pairs.
pub fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 3);
    for (index, byte) in bytes.iter().enumerate() {
        if index > 0 {
            text.push(' ');
        }
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// A key or header value: its text when UTF-8, else hex.
pub fn lossless(bytes: &[u8]) -> String {
    std::str::from_utf8(bytes).map_or_else(|_| hex(bytes), str::to_owned)
}

/// `value` percent-encoded for a URL query: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`.
pub fn query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_payload_is_shown_within_the_cap(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
            let (shown, cut) = payload(&bytes);
            prop_assert!(!cut);
            if let Shown::Hex(text) = &shown {
                prop_assert_eq!(text.len(), (bytes.len() * 3).saturating_sub(1));
            }
        }

        #[test]
        fn times_are_well_formed(ms in 0i64..4_102_444_800_000) {
            let text = time(ms);
            prop_assert_eq!(text.len(), 19);
            let month: u32 = text[5..7].parse().unwrap_or(0);
            let day: u32 = text[8..10].parse().unwrap_or(0);
            prop_assert!((1..=12).contains(&month) && (1..=31).contains(&day));
        }
    }

    proptest! {
        #[test]
        fn encoded_queries_hold_no_delimiter(value in ".{0,40}") {
            let encoded = query_value(&value);
            prop_assert!(!encoded.contains(['&', '#', '=', '?', '+', ' ', '"']));
        }
    }

    #[test]
    fn known_times() {
        assert_eq!(time(0), "1970-01-01 00:00:00");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(time(1_796_199_984_000), "2026-12-02 08:26:24");
    }

    #[test]
    fn json_is_indented_and_large_payloads_are_cut() {
        let (shown, cut) = payload(br#"{"a":1}"#);
        assert_eq!(shown, Shown::Json("{\n  \"a\": 1\n}".into()));
        assert!(!cut);
        let (shown, cut) = payload(&vec![b'a'; PAYLOAD_SHOWN + 1]);
        assert!(cut);
        assert_eq!(shown.text().len(), PAYLOAD_SHOWN);
        assert_eq!(duration(1_500), "1.5 s");
        assert_eq!(bytes(64 << 20), "64.0 MiB");
    }
}
