//! pipeline: `azlift pipeline init` — CI workflow scaffolding (GitHub Actions, Azure
//! Pipelines) that plans on pull requests and applies on the main branch with keyless (OIDC)
//! sign-in, and the exact `az` commands that create the identity it signs in as.
//!
//! The workflows are fixed templates (`github.yml`, `azure-pipelines.yml` beside this file)
//! with a few `@@NAME@@` placeholders; both are pinned by snapshot tests.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The audience of the OIDC token Entra ID accepts for workload identity federation.
pub const FEDERATION_AUDIENCE: &str = crate::arm::credentials::GITHUB_OIDC_AUDIENCE;
/// GitHub Actions' OIDC issuer.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

const GITHUB_TEMPLATE: &str = include_str!("github.yml");
const AZURE_DEVOPS_TEMPLATE: &str = include_str!("azure-pipelines.yml");

/// Which CI system to scaffold for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    GitHub,
    AzureDevOps,
}

impl Platform {
    /// Where the workflow goes, relative to the repository root.
    pub fn workflow_path(self) -> &'static str {
        match self {
            Platform::GitHub => ".github/workflows/azlift.yml",
            Platform::AzureDevOps => "azure-pipelines.yml",
        }
    }
}

/// Why scaffolding failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PipelineError {
    #[error("{path} exists already")]
    #[diagnostic(
        code(azlift::pipeline::exists),
        help("pass --force to overwrite it, or --stdout to print the workflow instead")
    )]
    Exists { path: PathBuf },
    #[error("could not write {path}: {source}")]
    #[diagnostic(code(azlift::pipeline::write))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{given}` is not a repository name of the form {expected}")]
    #[diagnostic(
        code(azlift::pipeline::repo),
        help("pass --repo {expected}, e.g. --repo contoso/shop")
    )]
    BadRepo {
        given: String,
        expected: &'static str,
    },
    #[error("{0}")]
    #[diagnostic(code(azlift::pipeline::option))]
    BadOption(String),
}

/// What the workflow is generated from.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    pub platform: Platform,
    /// `OWNER/REPO` (GitHub) or `ORGANIZATION/PROJECT` (Azure DevOps); placeholders when unknown.
    pub repo: Option<String>,
    /// The branch that applies (pull requests against it plan).
    pub branch: String,
    /// The manifest path as the workflow should pass it (relative to the repository root).
    pub manifest: String,
    /// The `--env` the workflow passes, if any.
    pub env: Option<String>,
    /// Azure DevOps: the name of the Azure Resource Manager service connection.
    pub service_connection: String,
    /// Where the pipeline's runs keep state.
    pub state: PipelineState,
}

/// Where the pipeline's runs keep state. A CI runner's disk is discarded after every job, so
/// a pipeline needs remote state: the manifest's `[state]`, a URL given to `pipeline init`,
/// or a CI variable the printed commands set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineState {
    /// The manifest's `[state]` names an Azure Blob (`url`, never with a SAS): the workflow
    /// needs nothing more.
    Manifest { url: String },
    /// `--state-url` given to `pipeline init`: written into the workflow as `AZLIFT_STATE_URL`.
    Url { url: String },
    /// Nothing remote yet: the workflow reads `AZLIFT_STATE_URL` from a CI variable, and the
    /// setup commands create the storage and suggest `suggested_url`.
    Unset { suggested_url: String },
}

impl PipelineState {
    fn url(&self) -> &str {
        match self {
            PipelineState::Manifest { url } | PipelineState::Url { url } => url,
            PipelineState::Unset { suggested_url } => suggested_url,
        }
    }

    /// The lines that go into the workflow's environment block (`indent` spaces deep).
    fn env_lines(&self, platform: Platform, indent: usize) -> String {
        let pad = " ".repeat(indent);
        match (self, platform) {
            (PipelineState::Manifest { url }, _) => {
                format!("{pad}# State: the manifest's [state] ({url}).")
            }
            (PipelineState::Url { url }, _) => format!("{pad}AZLIFT_STATE_URL: {url}"),
            (PipelineState::Unset { .. }, Platform::GitHub) => {
                format!("{pad}AZLIFT_STATE_URL: ${{{{ vars.AZLIFT_STATE_URL }}}}")
            }
            (PipelineState::Unset { suggested_url }, Platform::AzureDevOps) => format!(
                "{pad}# State must be remote: set this to the blob the setup commands create\n{pad}# (e.g. {suggested_url}); empty means the manifest's [state].\n{pad}AZLIFT_STATE_URL: \"\""
            ),
        }
    }
}

/// The storage account and container of a state blob URL, read the way the backend reads it
/// (`https://ACCOUNT.blob.core.windows.net/CONTAINER/KEY`); `None` for what cannot be told.
fn account_and_container(url: &str) -> (Option<String>, Option<String>) {
    match crate::state::parse_state_url(url, None) {
        Ok(loc) => {
            let account = loc.service.host_str().and_then(|host| {
                let (account, rest) = host.split_once('.')?;
                rest.starts_with("blob.").then(|| account.to_string())
            });
            (account, Some(loc.container))
        }
        Err(_) => (None, None),
    }
}

/// A storage account name for the pipeline's state: `azlift` and the repository's letters and
/// digits, lowercase, at most 24 characters (the service's limit).
pub fn suggested_account(repo: Option<&str>) -> String {
    let tail: String = repo
        .unwrap_or("state")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut name = format!("azlift{tail}");
    name.truncate(24);
    name
}

/// The blob URL suggested when nothing remote is configured.
pub fn suggested_state_url(repo: Option<&str>, key: &str) -> String {
    format!(
        "https://{}.blob.core.windows.net/azlift-state/{key}",
        suggested_account(repo)
    )
}

fn is_safe_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

impl PipelineOptions {
    /// Check the values that end up in YAML and shell lines: plain names and paths only, so
    /// the generated file needs no quoting and cannot run anything unintended.
    pub fn validate(&self) -> Result<(), PipelineError> {
        let checks = [
            ("--branch", Some(self.branch.as_str())),
            ("--manifest", Some(self.manifest.as_str())),
            ("--env", self.env.as_deref()),
            (
                "--service-connection",
                Some(self.service_connection.as_str()),
            ),
        ];
        for (flag, value) in checks {
            if let Some(v) = value
                && !is_safe_word(v)
            {
                return Err(PipelineError::BadOption(format!(
                    "{flag} `{v}`: use letters, digits, `-`, `_`, `.` and `/` only"
                )));
            }
        }
        if let Some(repo) = &self.repo {
            parse_repo(repo, self.platform)?;
        }
        let url = self.state.url();
        if !url.starts_with("https://")
            || !url
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-' | '_'))
        {
            return Err(PipelineError::BadOption(format!(
                "state URL `{url}`: a pipeline needs an https blob URL of letters, digits, `:`, `/`, `.`, `-` and `_` only (and never a SAS: use the pipeline's identity)"
            )));
        }
        Ok(())
    }

    fn env_name(&self) -> &str {
        self.env.as_deref().unwrap_or("default")
    }
}

/// `OWNER/REPO` (or `ORG/PROJECT`) checked and split.
pub fn parse_repo(repo: &str, platform: Platform) -> Result<(String, String), PipelineError> {
    let expected = match platform {
        Platform::GitHub => "OWNER/REPO",
        Platform::AzureDevOps => "ORGANIZATION/PROJECT",
    };
    let bad = || PipelineError::BadRepo {
        given: repo.to_string(),
        expected,
    };
    let (a, b) = repo.split_once('/').ok_or_else(bad)?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if !ok(a) || !ok(b) {
        return Err(bad());
    }
    Ok((a.to_string(), b.to_string()))
}

/// `OWNER/REPO` from a GitHub remote URL, or `ORGANIZATION/PROJECT` from an Azure DevOps one.
pub fn repo_from_remote_url(url: &str, platform: Platform) -> Option<String> {
    let url = url.trim();
    let path = match platform {
        Platform::GitHub => url
            .strip_prefix("git@github.com:")
            .or_else(|| url.strip_prefix("ssh://git@github.com/"))
            .or_else(|| url.strip_prefix("https://github.com/"))
            .or_else(|| url.strip_prefix("http://github.com/"))?
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .to_string(),
        Platform::AzureDevOps => {
            // https://[user@]dev.azure.com/ORG/PROJECT/_git/REPO
            // git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO
            // https://ORG.visualstudio.com/PROJECT/_git/REPO
            if let Some(rest) = url.strip_prefix("git@ssh.dev.azure.com:v3/") {
                let mut parts = rest.split('/');
                format!("{}/{}", parts.next()?, parts.next()?)
            } else if let Some(i) = url.find("dev.azure.com/") {
                let mut parts = url[i + "dev.azure.com/".len()..].split('/');
                format!("{}/{}", parts.next()?, parts.next()?)
            } else {
                let host_and_path = url.strip_prefix("https://")?;
                let (host, path) = host_and_path.split_once('/')?;
                let org = host.rsplit('@').next()?.strip_suffix(".visualstudio.com")?;
                format!("{org}/{}", path.split('/').next()?)
            }
        }
    };
    parse_repo(&path, platform)
        .ok()
        .map(|(a, b)| format!("{a}/{b}"))
}

/// The `origin` remote of the git repository at `dir`, as `OWNER/REPO` (or `ORG/PROJECT`).
pub fn repo_from_git(dir: &Path, platform: Platform) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["remote", "get-url", "origin"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    repo_from_remote_url(&String::from_utf8_lossy(&out.stdout), platform)
}

/// The workflow file's text.
pub fn render(opts: &PipelineOptions) -> Result<String, PipelineError> {
    opts.validate()?;
    let template = match opts.platform {
        Platform::GitHub => GITHUB_TEMPLATE,
        Platform::AzureDevOps => AZURE_DEVOPS_TEMPLATE,
    };
    let env_flag = opts
        .env
        .as_ref()
        .map(|e| format!(" --env {e}"))
        .unwrap_or_default();
    Ok(template
        .replace("@@VERSION@@", env!("CARGO_PKG_VERSION"))
        .replace("@@BRANCH@@", &opts.branch)
        .replace("@@MANIFEST@@", &opts.manifest)
        .replace("@@ENV_FLAG@@", &env_flag)
        .replace("@@ENV_NAME@@", opts.env_name())
        .replace("@@SERVICE_CONNECTION@@", &opts.service_connection)
        .replace("@@STATE_ENV@@", &opts.state.env_lines(opts.platform, 2)))
}

/// Write the workflow under `root`, refusing to overwrite an existing file unless `force`.
pub fn write(root: &Path, opts: &PipelineOptions, force: bool) -> Result<PathBuf, PipelineError> {
    let text = render(opts)?;
    let path = root.join(opts.platform.workflow_path());
    if path.exists() && !force {
        return Err(PipelineError::Exists { path });
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| PipelineError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(&path, text).map_err(|source| PipelineError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The `az` commands that create the identity the workflow signs in as: an app registration
/// with federated credentials for the workflow's OIDC tokens, and its role on the subscription.
pub fn setup_commands(opts: &PipelineOptions) -> String {
    let mut s = match opts.platform {
        Platform::GitHub => github_setup(opts),
        Platform::AzureDevOps => azure_devops_setup(opts),
    };
    s.push_str(&state_setup(opts));
    s
}

/// The commands that give the pipeline its remote state: the storage (when none is
/// configured yet) and the identity's data-plane role on the container, which the lease
/// lock and the conditional writes need.
fn state_setup(opts: &PipelineOptions) -> String {
    let url = opts.state.url();
    let (account, container) = account_and_container(url);
    let account = account.unwrap_or_else(|| "STORAGE_ACCOUNT".to_string());
    let container = container.unwrap_or_else(|| "CONTAINER".to_string());
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n# State: a CI runner's disk is discarded after every job, so runs keep state in Azure Blob\n# Storage ({url}), locked by a blob lease."
    );
    if let PipelineState::Unset { .. } = opts.state {
        let _ = writeln!(
            s,
            "# Create the storage once (the account name must be globally unique; change it if taken):"
        );
        let _ = writeln!(s, "az group create --name azlift-state --location eastus");
        let _ = writeln!(
            s,
            "az storage account create --name {account} --resource-group azlift-state --sku Standard_LRS --min-tls-version TLS1_2 --allow-blob-public-access false"
        );
        let _ = writeln!(
            s,
            "az storage container create --account-name {account} --name {container} --auth-mode login"
        );
    }
    let _ = writeln!(
        s,
        "# Let the pipeline's identity read, lease and write state blobs in that container:"
    );
    let _ = writeln!(
        s,
        "az role assignment create --assignee \"$AZURE_CLIENT_ID\" --role \"Storage Blob Data Contributor\" --scope \"$(az storage account show --name {account} --query id -o tsv)/blobServices/default/containers/{container}\""
    );
    if let PipelineState::Unset { suggested_url } = &opts.state {
        match opts.platform {
            Platform::GitHub => {
                let repo = opts.repo.as_deref().unwrap_or("OWNER/REPO");
                let _ = writeln!(
                    s,
                    "gh variable set AZLIFT_STATE_URL --repo {repo} --body \"{suggested_url}\""
                );
            }
            Platform::AzureDevOps => {
                let _ = writeln!(
                    s,
                    "# Then set AZLIFT_STATE_URL in azure-pipelines.yml to {suggested_url}"
                );
            }
        }
        let _ = writeln!(
            s,
            "# (or add [state] backend = \"azblob\", account = \"{account}\", container = \"{container}\" to the manifest)"
        );
    }
    s
}

fn github_setup(opts: &PipelineOptions) -> String {
    let repo = opts.repo.as_deref().unwrap_or("OWNER/REPO");
    let app_name = format!("azlift-{}", repo.replace('/', "-"));
    let branch = &opts.branch;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Create the identity the workflow signs in as (run once, logged in with `az login`):"
    );
    let _ = writeln!(
        s,
        "AZURE_SUBSCRIPTION_ID=$(az account show --query id -o tsv)"
    );
    let _ = writeln!(
        s,
        "AZURE_TENANT_ID=$(az account show --query tenantId -o tsv)"
    );
    let _ = writeln!(
        s,
        "AZURE_CLIENT_ID=$(az ad app create --display-name {app_name} --query appId -o tsv)"
    );
    let _ = writeln!(s, "az ad sp create --id \"$AZURE_CLIENT_ID\"");
    let _ = writeln!(
        s,
        "\n# Trust GitHub's OIDC tokens for pushes to {branch} (apply) and for pull requests (plan):"
    );
    for (name, subject) in [
        (
            format!("azlift-{branch}").replace('/', "-"),
            format!("repo:{repo}:ref:refs/heads/{branch}"),
        ),
        (
            "azlift-pull-request".to_string(),
            format!("repo:{repo}:pull_request"),
        ),
    ] {
        let _ = writeln!(
            s,
            "az ad app federated-credential create --id \"$AZURE_CLIENT_ID\" --parameters '{{\"name\": \"{name}\", \"issuer\": \"{GITHUB_ISSUER}\", \"subject\": \"{subject}\", \"audiences\": [\"{FEDERATION_AUDIENCE}\"]}}'"
        );
    }
    let _ = writeln!(
        s,
        "\n# Let it manage the subscription (add \"Role Based Access Control Administrator\" if the manifest assigns roles):"
    );
    let _ = writeln!(
        s,
        "az role assignment create --assignee \"$AZURE_CLIENT_ID\" --role Contributor --scope \"/subscriptions/$AZURE_SUBSCRIPTION_ID\""
    );
    let _ = writeln!(
        s,
        "\n# Tell the workflow which identity to use (repository variables, not secrets: none of them is one):"
    );
    for v in [
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_SUBSCRIPTION_ID",
    ] {
        let _ = writeln!(s, "gh variable set {v} --repo {repo} --body \"${v}\"");
    }
    s
}

fn azure_devops_setup(opts: &PipelineOptions) -> String {
    let org_project = opts.repo.as_deref().unwrap_or("ORGANIZATION/PROJECT");
    let (org, project) = org_project
        .split_once('/')
        .unwrap_or(("ORGANIZATION", "PROJECT"));
    let conn = &opts.service_connection;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Create the identity the pipeline signs in as (run once, logged in with `az login`;\n# `az devops` is the azure-devops extension of the Azure CLI):"
    );
    let _ = writeln!(
        s,
        "AZURE_SUBSCRIPTION_ID=$(az account show --query id -o tsv)"
    );
    let _ = writeln!(
        s,
        "AZURE_SUBSCRIPTION_NAME=$(az account show --query name -o tsv)"
    );
    let _ = writeln!(
        s,
        "AZURE_TENANT_ID=$(az account show --query tenantId -o tsv)"
    );
    let _ = writeln!(
        s,
        "AZURE_CLIENT_ID=$(az ad app create --display-name azlift-{org}-{project} --query appId -o tsv)"
    );
    let _ = writeln!(s, "az ad sp create --id \"$AZURE_CLIENT_ID\"");
    let _ = writeln!(
        s,
        "az role assignment create --assignee \"$AZURE_CLIENT_ID\" --role Contributor --scope \"/subscriptions/$AZURE_SUBSCRIPTION_ID\""
    );
    let _ = writeln!(
        s,
        "\n# The Azure Resource Manager service connection `{conn}`, with workload identity federation:"
    );
    let _ = writeln!(
        s,
        "cat > service-connection.json <<JSON\n{{\n  \"name\": \"{conn}\",\n  \"type\": \"AzureRM\",\n  \"url\": \"https://management.azure.com/\",\n  \"authorization\": {{\n    \"scheme\": \"WorkloadIdentityFederation\",\n    \"parameters\": {{ \"tenantid\": \"$AZURE_TENANT_ID\", \"serviceprincipalid\": \"$AZURE_CLIENT_ID\" }}\n  }},\n  \"data\": {{\n    \"subscriptionId\": \"$AZURE_SUBSCRIPTION_ID\",\n    \"subscriptionName\": \"$AZURE_SUBSCRIPTION_NAME\",\n    \"environment\": \"AzureCloud\",\n    \"scopeLevel\": \"Subscription\",\n    \"creationMode\": \"Manual\"\n  }}\n}}\nJSON"
    );
    let _ = writeln!(
        s,
        "az devops service-endpoint create --organization https://dev.azure.com/{org} --project {project} --service-endpoint-configuration service-connection.json"
    );
    let _ = writeln!(
        s,
        "\n# Trust the service connection's OIDC tokens. Its issuer and subject are shown on the\n# service connection's page (\"Workload Identity federation details\"); the issuer is\n# https://vstoken.dev.azure.com/<organization id>:"
    );
    let _ = writeln!(
        s,
        "az ad app federated-credential create --id \"$AZURE_CLIENT_ID\" --parameters '{{\"name\": \"azlift-{conn}\", \"issuer\": \"https://vstoken.dev.azure.com/ORGANIZATION_ID\", \"subject\": \"sc://{org}/{project}/{conn}\", \"audiences\": [\"{FEDERATION_AUDIENCE}\"]}}'"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(platform: Platform) -> PipelineOptions {
        PipelineOptions {
            platform,
            repo: Some("contoso/shop".to_string()),
            branch: "main".to_string(),
            manifest: "azlift.toml".to_string(),
            env: Some("prod".to_string()),
            service_connection: "azlift-prod".to_string(),
            state: PipelineState::Unset {
                suggested_url: suggested_state_url(Some("contoso/shop"), "shop/prod.json"),
            },
        }
    }

    #[test]
    fn unset_state_reads_a_ci_variable_and_setup_creates_the_storage() {
        let o = opts(Platform::GitHub);
        let text = render(&o).unwrap();
        assert!(text.contains("  AZLIFT_STATE_URL: ${{ vars.AZLIFT_STATE_URL }}\n"));
        let setup = setup_commands(&o);
        assert!(setup.contains("az storage account create --name azliftcontososhop "));
        assert!(setup.contains("--role \"Storage Blob Data Contributor\""));
        assert!(setup.contains("/blobServices/default/containers/azlift-state"));
        assert!(setup.contains(
            "gh variable set AZLIFT_STATE_URL --repo contoso/shop --body \"https://azliftcontososhop.blob.core.windows.net/azlift-state/shop/prod.json\""
        ));
    }

    #[test]
    fn state_from_the_manifest_needs_only_the_role() {
        let mut o = opts(Platform::AzureDevOps);
        o.state = PipelineState::Manifest {
            url: "https://acct1.blob.core.windows.net/tfstate/shop/prod.json".to_string(),
        };
        let text = render(&o).unwrap();
        assert!(!text.contains("AZLIFT_STATE_URL"));
        assert!(text.contains("# State: the manifest's [state]"));
        let setup = setup_commands(&o);
        assert!(!setup.contains("az storage account create"));
        assert!(setup.contains(
            "$(az storage account show --name acct1 --query id -o tsv)/blobServices/default/containers/tfstate"
        ));
    }

    #[test]
    fn a_state_url_is_written_into_the_workflow_and_checked() {
        let mut o = opts(Platform::GitHub);
        o.state = PipelineState::Url {
            url: "https://acct1.blob.core.windows.net/tfstate/shop/prod.json".to_string(),
        };
        assert!(render(&o).unwrap().contains(
            "  AZLIFT_STATE_URL: https://acct1.blob.core.windows.net/tfstate/shop/prod.json\n"
        ));
        o.state = PipelineState::Url {
            url: "http://127.0.0.1:10000/devstoreaccount1/c/k.json".to_string(),
        };
        assert!(render(&o).is_err(), "plain http is refused");
        o.state = PipelineState::Url {
            url: "https://a.blob.core.windows.net/c/k.json?sig=x".to_string(),
        };
        assert!(render(&o).is_err(), "a SAS is refused");
    }

    #[test]
    fn remote_urls_give_owner_and_repo() {
        let gh = Platform::GitHub;
        for url in [
            "https://github.com/contoso/shop.git",
            "git@github.com:contoso/shop.git",
            "ssh://git@github.com/contoso/shop",
            "https://github.com/contoso/shop/\n",
        ] {
            assert_eq!(
                repo_from_remote_url(url, gh).as_deref(),
                Some("contoso/shop"),
                "{url}"
            );
        }
        assert_eq!(repo_from_remote_url("https://gitlab.com/a/b.git", gh), None);
        let ado = Platform::AzureDevOps;
        for url in [
            "https://contoso@dev.azure.com/contoso/Shop/_git/shop",
            "git@ssh.dev.azure.com:v3/contoso/Shop/shop",
            "https://contoso.visualstudio.com/Shop/_git/shop",
        ] {
            assert_eq!(
                repo_from_remote_url(url, ado).as_deref(),
                Some("contoso/Shop"),
                "{url}"
            );
        }
    }

    #[test]
    fn values_that_would_need_quoting_are_refused() {
        let mut o = opts(Platform::GitHub);
        o.env = Some("prod; rm -rf /".to_string());
        let e = render(&o).unwrap_err().to_string();
        assert!(e.contains("--env"), "{e}");
        let mut o = opts(Platform::GitHub);
        o.repo = Some("no-slash".to_string());
        assert!(matches!(render(&o), Err(PipelineError::BadRepo { .. })));
    }

    #[test]
    fn github_setup_trusts_main_and_pull_requests_with_the_exchange_audience() {
        let s = setup_commands(&opts(Platform::GitHub));
        assert!(
            s.contains("\"subject\": \"repo:contoso/shop:ref:refs/heads/main\""),
            "{s}"
        );
        assert!(
            s.contains("\"subject\": \"repo:contoso/shop:pull_request\""),
            "{s}"
        );
        assert!(s.contains(GITHUB_ISSUER));
        assert_eq!(
            s.matches("\"audiences\": [\"api://AzureADTokenExchange\"]")
                .count(),
            2
        );
        assert!(s.contains("az role assignment create"));
    }

    #[test]
    fn write_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let o = opts(Platform::AzureDevOps);
        let p = write(dir.path(), &o, false).unwrap();
        assert!(p.ends_with("azure-pipelines.yml"));
        std::fs::write(&p, "mine").unwrap();
        assert!(matches!(
            write(dir.path(), &o, false),
            Err(PipelineError::Exists { .. })
        ));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "mine");
        write(dir.path(), &o, true).unwrap();
        assert!(std::fs::read_to_string(&p).unwrap().contains("azlift plan"));
    }
}
