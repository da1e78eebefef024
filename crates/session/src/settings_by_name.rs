//! [`Settings`] by libtorrent's `settings_pack` names: `set_int`, `set_bool`, `set_str` and the
//! getters, for code (and configuration files) written against libtorrent. Durations are in
//! seconds, as libtorrent's integer settings give them; enumerations take libtorrent's values
//! (`enc_policy`: 0 forced, 1 enabled, 2 disabled; `enc_level`: 1 plaintext, 2 RC4, 3 both).

use std::time::Duration;

use lt_alerts::AlertCategory;
use lt_wire::mse::{EncLevel, EncPolicy};

use crate::error::SessionError;
use crate::settings::Settings;

fn unknown(name: &str, kind: &str) -> SessionError {
    SessionError::InvalidSetting(format!("unknown {kind} setting {name:?}"))
}

fn out_of_range(name: &str, value: i64) -> SessionError {
    SessionError::InvalidSetting(format!("{value} is out of range for {name:?}"))
}

fn count(name: &str, value: i64) -> Result<usize, SessionError> {
    usize::try_from(value).map_err(|_| out_of_range(name, value))
}

fn seconds(name: &str, value: i64) -> Result<Duration, SessionError> {
    u64::try_from(value)
        .map(Duration::from_secs)
        .map_err(|_| out_of_range(name, value))
}

fn policy(name: &str, value: i64) -> Result<EncPolicy, SessionError> {
    match value {
        0 => Ok(EncPolicy::Forced),
        1 => Ok(EncPolicy::Enabled),
        2 => Ok(EncPolicy::Disabled),
        _ => Err(out_of_range(name, value)),
    }
}

fn policy_value(policy: EncPolicy) -> i64 {
    match policy {
        EncPolicy::Forced => 0,
        EncPolicy::Enabled => 1,
        EncPolicy::Disabled => 2,
    }
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

fn int(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Settings {
    /// Sets an integer setting by libtorrent's name.
    ///
    /// # Errors
    /// [`SessionError::InvalidSetting`] for a name that is not an integer setting here, or a
    /// value out of its range.
    ///
    /// # Examples
    /// ```
    /// let mut settings = lt_session::Settings::default();
    /// settings.set_int("unchoke_slots_limit", 20)?;
    /// settings.set_int("out_enc_policy", 2)?; // pe_disabled
    /// assert_eq!(settings.get_int("unchoke_slots_limit"), Some(20));
    /// assert!(settings.set_int("no_such_setting", 1).is_err());
    /// # Ok::<(), lt_session::SessionError>(())
    /// ```
    pub fn set_int(&mut self, name: &str, value: i64) -> Result<(), SessionError> {
        match name {
            "alert_mask" => {
                let bits = u32::try_from(value).map_err(|_| out_of_range(name, value))?;
                self.alert_mask = AlertCategory::from_bits(bits);
            }
            "alert_queue_size" => self.alert_queue_size = count(name, value)?,
            "connections_limit" => self.connections_limit = count(name, value)?,
            "peer_connect_timeout" => self.peer_connect_timeout = seconds(name, value)?,
            "handshake_timeout" => self.handshake_timeout = seconds(name, value)?,
            "min_reconnect_time" => self.min_reconnect_time = seconds(name, value)?,
            "max_failcount" => {
                self.max_failcount = u32::try_from(value).map_err(|_| out_of_range(name, value))?;
            }
            "out_enc_policy" => self.out_enc_policy = policy(name, value)?,
            "in_enc_policy" => self.in_enc_policy = policy(name, value)?,
            "allowed_enc_level" => {
                self.allowed_enc_level = match value {
                    1 => EncLevel::Plaintext,
                    2 => EncLevel::Rc4,
                    3 => EncLevel::Both,
                    _ => return Err(out_of_range(name, value)),
                };
            }
            "max_queued_disk_bytes" => {
                self.max_queued_disk_bytes =
                    u64::try_from(value).map_err(|_| out_of_range(name, value))?;
            }
            "aio_threads" => self.aio_threads = count(name, value)?,
            "max_out_request_queue" => self.max_out_request_queue = count(name, value)?,
            "request_queue_time" => self.request_queue_time = seconds(name, value)?,
            "unchoke_slots_limit" if value == -1 => self.unchoke_slots_limit = usize::MAX,
            "unchoke_slots_limit" => self.unchoke_slots_limit = count(name, value)?,
            "num_optimistic_unchoke_slots" => {
                self.num_optimistic_unchoke_slots = count(name, value)?;
            }
            "unchoke_interval" => self.unchoke_interval = seconds(name, value)?,
            "optimistic_unchoke_interval" => {
                self.optimistic_unchoke_interval = seconds(name, value)?;
            }
            _ => return Err(unknown(name, "integer")),
        }
        Ok(())
    }

    /// An integer setting by libtorrent's name, `None` for an unknown name.
    #[must_use]
    pub fn get_int(&self, name: &str) -> Option<i64> {
        Some(match name {
            "alert_mask" => i64::from(self.alert_mask.bits()),
            "alert_queue_size" => int(self.alert_queue_size),
            "connections_limit" => int(self.connections_limit),
            "peer_connect_timeout" => secs(self.peer_connect_timeout),
            "handshake_timeout" => secs(self.handshake_timeout),
            "min_reconnect_time" => secs(self.min_reconnect_time),
            "max_failcount" => i64::from(self.max_failcount),
            "out_enc_policy" => policy_value(self.out_enc_policy),
            "in_enc_policy" => policy_value(self.in_enc_policy),
            "allowed_enc_level" => i64::from(self.allowed_enc_level.bits()),
            "max_queued_disk_bytes" => i64::try_from(self.max_queued_disk_bytes).ok()?,
            "aio_threads" => int(self.aio_threads),
            "max_out_request_queue" => int(self.max_out_request_queue),
            "request_queue_time" => secs(self.request_queue_time),
            "unchoke_slots_limit" if self.unchoke_slots_limit == usize::MAX => -1,
            "unchoke_slots_limit" => int(self.unchoke_slots_limit),
            "num_optimistic_unchoke_slots" => int(self.num_optimistic_unchoke_slots),
            "unchoke_interval" => secs(self.unchoke_interval),
            "optimistic_unchoke_interval" => secs(self.optimistic_unchoke_interval),
            _ => return None,
        })
    }

    /// Sets a boolean setting by libtorrent's name.
    ///
    /// # Errors
    /// [`SessionError::InvalidSetting`] for a name that is not a boolean setting here.
    pub fn set_bool(&mut self, name: &str, value: bool) -> Result<(), SessionError> {
        match name {
            "prefer_rc4" => self.prefer_rc4 = value,
            _ => return Err(unknown(name, "boolean")),
        }
        Ok(())
    }

    /// A boolean setting by libtorrent's name, `None` for an unknown name.
    #[must_use]
    pub fn get_bool(&self, name: &str) -> Option<bool> {
        match name {
            "prefer_rc4" => Some(self.prefer_rc4),
            _ => None,
        }
    }

    /// Sets a string setting by libtorrent's name.
    ///
    /// # Errors
    /// [`SessionError::InvalidSetting`] for a name that is not a string setting here.
    pub fn set_str(&mut self, name: &str, value: &str) -> Result<(), SessionError> {
        match name {
            "peer_fingerprint" => value.clone_into(&mut self.peer_fingerprint),
            "listen_interfaces" => value.clone_into(&mut self.listen_interfaces),
            _ => return Err(unknown(name, "string")),
        }
        Ok(())
    }

    /// A string setting by libtorrent's name, `None` for an unknown name.
    #[must_use]
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match name {
            "peer_fingerprint" => Some(&self.peer_fingerprint),
            "listen_interfaces" => Some(&self.listen_interfaces),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_integer_setting_round_trips() {
        let names = [
            "alert_mask",
            "alert_queue_size",
            "connections_limit",
            "peer_connect_timeout",
            "handshake_timeout",
            "min_reconnect_time",
            "max_failcount",
            "out_enc_policy",
            "in_enc_policy",
            "allowed_enc_level",
            "max_queued_disk_bytes",
            "aio_threads",
            "max_out_request_queue",
            "request_queue_time",
            "unchoke_slots_limit",
            "num_optimistic_unchoke_slots",
            "unchoke_interval",
            "optimistic_unchoke_interval",
        ];
        let mut settings = Settings::default();
        for name in names {
            let value = settings.get_int(name).expect(name);
            settings.set_int(name, value).expect(name);
            assert_eq!(settings.get_int(name), Some(value), "{name}");
        }
        assert_eq!(settings, Settings::default());
    }

    #[test]
    fn libtorrents_values_and_errors() {
        let mut settings = Settings::default();
        assert_eq!(settings.get_int("out_enc_policy"), Some(1));
        assert_eq!(settings.get_int("allowed_enc_level"), Some(3));
        settings.set_int("in_enc_policy", 0).expect("forced");
        assert_eq!(settings.in_enc_policy, EncPolicy::Forced);
        assert!(settings.set_int("in_enc_policy", 3).is_err());
        assert!(settings.set_int("unchoke_slots_limit", -2).is_err());
        settings
            .set_int("unchoke_slots_limit", -1)
            .expect("unlimited");
        assert_eq!(settings.unchoke_slots_limit, usize::MAX);
        assert_eq!(settings.get_int("unchoke_slots_limit"), Some(-1));
        assert_eq!(
            Settings::high_performance_seed().get_int("unchoke_slots_limit"),
            Some(-1)
        );
        assert_eq!(Settings::min_memory_usage().max_queued_disk_bytes, 1);
        assert!(settings.set_bool("unchoke_slots_limit", true).is_err());
        settings.set_bool("prefer_rc4", true).expect("bool");
        assert_eq!(settings.get_bool("prefer_rc4"), Some(true));
        settings
            .set_str("listen_interfaces", "127.0.0.1:0")
            .expect("str");
        assert_eq!(settings.get_str("listen_interfaces"), Some("127.0.0.1:0"));
        assert_eq!(settings.get_str("nope"), None);
    }
}
