//! Where ARM is: Azure itself (credentials from the environment) or, with `--local`, the
//! embedded emulator started in this process over the project's persisted local cloud.

use std::path::Path;
use std::time::Duration;

use azure_core::http::Url;

use crate::arm::{ArmClient, ArmConfig};
use crate::emulator::{EmulatorConfig, FaultSpec, Profile, RunningEmulator};

use super::OpsError;
use super::cloud_lock::CloudLock;

/// The subscription id of the local cloud.
pub const LOCAL_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// Environment variables that tune the embedded emulator (tests and benchmarks).
pub const PROFILE_ENV: &str = "AZLIFT_EMULATOR_PROFILE";
pub const FAULTS_ENV: &str = "AZLIFT_EMULATOR_FAULTS";

/// A connected ARM client, and the emulator behind it when local.
pub struct Target {
    pub client: ArmClient,
    pub emulator: Option<RunningEmulator>,
    pub subscription_id: String,
    /// Where ARM is and which credential signs in (for `-v`; never a secret).
    pub describe: String,
    /// With `--local`: the lock of the local cloud, held while the emulator serves it.
    cloud_lock: Option<CloudLock>,
}

/// Where the local cloud of a project is persisted.
pub fn local_cloud_file(project_dir: &Path) -> std::path::PathBuf {
    project_dir.join(".azlift").join("local-cloud.json")
}

impl Target {
    /// Start the embedded emulator over the project's local cloud and connect to it through
    /// the same client, credential flow and TLS checks as Azure.
    pub async fn local(project_dir: &Path, parallelism: usize) -> Result<Target, OpsError> {
        let who = crate::state::LockInfo::current("azlift --local");
        Target::local_locked(project_dir, parallelism, &who, Duration::ZERO).await
    }

    /// [`Target::local`], taking the local cloud's lock for `who` first (one emulator per
    /// local cloud), waiting up to `wait` for another run to release it.
    pub async fn local_locked(
        project_dir: &Path,
        parallelism: usize,
        who: &crate::state::LockInfo,
        wait: Duration,
    ) -> Result<Target, OpsError> {
        let cloud_lock = CloudLock::acquire(project_dir, who, wait).await?;
        let profile = match std::env::var(PROFILE_ENV) {
            Ok(p) => p
                .parse::<Profile>()
                .map_err(|e| OpsError::Config(format!("{PROFILE_ENV}: {e}")))?,
            Err(_) => Profile::Instant,
        };
        let faults = match std::env::var(FAULTS_ENV) {
            Ok(f) => f
                .parse::<FaultSpec>()
                .map_err(|e| OpsError::Config(format!("{FAULTS_ENV}: {e}")))?,
            Err(_) => FaultSpec::default(),
        };
        let config = EmulatorConfig {
            state_file: Some(local_cloud_file(project_dir)),
            profile,
            faults,
            ..EmulatorConfig::default()
        };
        let emulator = crate::emulator::start(config)
            .await
            .map_err(|e| OpsError::Config(format!("the local emulator did not start: {e}")))?;
        let url = Url::parse(&emulator.https_url())
            .map_err(|e| OpsError::Config(format!("emulator url: {e}")))?;
        let mut config = ArmConfig::local(url, emulator.ca_certificate_pem());
        config.parallelism = parallelism;
        // The emulator is on this machine: poll it briskly and never wait out a whole-second
        // Retry-After for an operation the profile makes last a fraction of a second.
        config.poll.default_interval = Duration::from_millis(50);
        config.poll.min_interval = Duration::from_millis(10);
        config.poll.max_interval = Duration::from_millis(250);
        let client = ArmClient::new(config).map_err(OpsError::Arm)?;
        let describe = format!(
            "local emulator at {}, credential: {}",
            emulator.https_url(),
            client.describe()
        );
        Ok(Target {
            client,
            emulator: Some(emulator),
            subscription_id: LOCAL_SUBSCRIPTION.to_string(),
            describe,
            cloud_lock: Some(cloud_lock),
        })
    }

    /// Azure, with credentials picked from the environment.
    pub fn azure(subscription: Option<String>, parallelism: usize) -> Result<Target, OpsError> {
        let subscription_id = subscription.ok_or_else(|| {
            OpsError::Config(
                "no subscription: pass --subscription or set AZURE_SUBSCRIPTION_ID (or use --local)"
                    .to_string(),
            )
        })?;
        let mut config =
            ArmConfig::from_environment(&crate::arm::ProcessEnv).map_err(OpsError::Arm)?;
        config.parallelism = parallelism;
        let config_endpoint = config.endpoint.clone();
        let client = ArmClient::new(config).map_err(OpsError::Arm)?;
        let describe = if config_endpoint.as_str().trim_end_matches('/')
            == crate::arm::config::PUBLIC_ENDPOINT
        {
            format!(
                "Azure subscription {subscription_id}, credential: {}",
                client.describe()
            )
        } else {
            format!(
                "ARM at {}, subscription {subscription_id}, credential: {}",
                crate::text::url_for_display(config_endpoint.as_str()),
                client.describe()
            )
        };
        Ok(Target {
            client,
            emulator: None,
            subscription_id,
            describe,
            cloud_lock: None,
        })
    }

    /// Stop the emulator (if any) after its last write, then release the local cloud.
    pub async fn close(self) {
        if let Some(e) = self.emulator {
            e.shutdown().await;
        }
        drop(self.cloud_lock);
    }
}
