//! ISO-8601 as the REST Proxy's Java side reads it: durations (`Duration.parse`,
//! for KIP-1106's `auto.offset.reset=by_duration:PT1H`) and instants
//! (`Instant.parse`, RFC 3339 with a zone offset, for seeking by timestamp in
//! `POST .../positions`).

use std::time::Duration;

/// An ISO-8601 duration as Java's `Duration.parse` reads it, which is what
/// KIP-1106 specifies: `PnDTnHnMn.nS` (days, hours, minutes, seconds with an
/// optional fraction), an optional leading `-` refused here (a duration into the
/// future starts nowhere). Years, months and weeks are not durations to Java
/// either.
pub fn parse_iso_duration(text: &str) -> Result<Duration, String> {
    let invalid =
        || format!("Invalid ISO-8601 duration {text:?} in auto.offset.reset (expected e.g. PT1H, P1DT12H, PT30.5S)");
    let upper = text.to_ascii_uppercase();
    let rest = upper.strip_prefix('P').ok_or_else(invalid)?;
    let (days_part, time_part) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return Err(invalid()),
        None => (rest, None),
    };
    let mut millis: u128 = 0;
    let mut any = false;
    if !days_part.is_empty() {
        let days = days_part.strip_suffix('D').ok_or_else(invalid)?;
        let days: u128 = days.parse().map_err(|_| invalid())?;
        millis = days.checked_mul(86_400_000).and_then(|ms| millis.checked_add(ms)).ok_or_else(invalid)?;
        any = true;
    }
    if let Some(mut time) = time_part {
        for (unit, scale) in [('H', 3_600_000u128), ('M', 60_000), ('S', 1_000)] {
            if let Some(at) = time.find(unit) {
                let number = &time[..at];
                if number.is_empty() {
                    return Err(invalid());
                }
                if unit == 'S' {
                    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
                    let whole: u128 = whole.parse().map_err(|_| invalid())?;
                    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(invalid());
                    }
                    let fraction_ms: u128 = format!("{fraction:0<3}")[..3].parse().map_err(|_| invalid())?;
                    let ms = whole.checked_mul(scale).and_then(|ms| ms.checked_add(fraction_ms));
                    millis = ms.and_then(|ms| millis.checked_add(ms)).ok_or_else(invalid)?;
                } else {
                    let n: u128 = number.parse().map_err(|_| invalid())?;
                    millis = n.checked_mul(scale).and_then(|ms| millis.checked_add(ms)).ok_or_else(invalid)?;
                }
                time = &time[at + 1..];
                any = true;
            }
        }
        if !time.is_empty() {
            return Err(invalid());
        }
    }
    if !any {
        return Err(invalid());
    }
    let millis = u64::try_from(millis).map_err(|_| invalid())?;
    Ok(Duration::from_millis(millis))
}

/// An RFC 3339 date-time (`2024-05-01T12:00:00Z`, `2024-05-01T14:00:00.250+02:00`)
/// as milliseconds since the Unix epoch; fractions past milliseconds are cut.
pub fn parse_instant_ms(text: &str) -> Result<i64, String> {
    let invalid = || format!("Invalid timestamp {text:?}: expected an ISO-8601 date-time such as 2024-05-01T12:00:00Z");
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return Err(invalid());
    }
    let digits = |range: std::ops::Range<usize>| -> Result<i64, String> {
        let part = text.get(range).ok_or_else(invalid)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse::<i64>().map_err(|_| invalid())
        } else {
            Err(invalid())
        }
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(invalid());
    }
    let mut rest = &text[19..];
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction.bytes().position(|c| !c.is_ascii_digit()).unwrap_or(fraction.len());
        if end == 0 || end > 9 {
            return Err(invalid());
        }
        millis = format!("{:0<3}", &fraction[..end])[..3].parse().map_err(|_| invalid())?;
        rest = &fraction[end..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && matches!(zone.as_bytes()[0], b'+' | b'-') && zone.as_bytes()[3] == b':' => {
            let hours: i64 = zone[1..3].parse().map_err(|_| invalid())?;
            let minutes: i64 = zone[4..6].parse().map_err(|_| invalid())?;
            if hours > 18 || minutes > 59 {
                return Err(invalid());
            }
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            sign * (hours * 60 + minutes)
        }
        _ => return Err(invalid()),
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Ok(seconds * 1_000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations_read_as_javas_duration_parse_reads_them() {
        assert_eq!(parse_iso_duration("PT1H"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_iso_duration("P1D"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_iso_duration("P1DT2H3M4S"), Ok(Duration::from_secs(86_400 + 7200 + 180 + 4)));
        assert_eq!(parse_iso_duration("PT30.5S"), Ok(Duration::from_millis(30_500)));
        assert_eq!(parse_iso_duration("pt15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_iso_duration("PT0S"), Ok(Duration::ZERO));
        for bad in [
            "",
            "P",
            "PT",
            "1H",
            "PT1",
            "PTH",
            "P1H",
            "PT1H2",
            "P1Y",
            "PT-1H",
            "PT1.0000000001S",
            "-PT1H",
            // Past u128 milliseconds: refused, not wrapped.
            "P9999999999999999999999999999999999D",
            "PT99999999999999999999999999999999999H",
            "P1DT340282366920938463463374607431768211455S",
        ] {
            assert!(parse_iso_duration(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn instants_read_as_javas_instant_parse_reads_them() {
        assert_eq!(parse_instant_ms("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_instant_ms("2024-05-01T12:00:00Z"), Ok(1_714_564_800_000));
        assert_eq!(parse_instant_ms("2024-05-01T14:00:00.25+02:00"), Ok(1_714_564_800_250));
        assert_eq!(parse_instant_ms("2024-02-29T00:00:00.123456789Z"), Ok(1_709_164_800_123));
        assert_eq!(parse_instant_ms("1969-12-31T23:59:59Z"), Ok(-1_000));
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-05-01T12:00:00+2:00",
            "2024-05-01T12:00:00.Z",
            "２０２４-05-01T12:00:00Z",
        ] {
            assert!(parse_instant_ms(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
