//! `azlift pipeline init github|azure-devops`: the workflows parse as YAML, have the shape a
//! keyless plan-on-PR / apply-on-main pipeline needs, call only commands and flags azlift has
//! (each checked against `azlift <cmd> --help`), and are pinned by snapshots.

use std::collections::BTreeSet;
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

fn azlift(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_azlift"))
        .current_dir(dir)
        .env_remove("AZLIFT_ENV")
        .args(args)
        .output()
        .expect("azlift ran")
}

/// The workflow `pipeline init PLATFORM --stdout` prints for a fixed repository.
fn generated(platform: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = azlift(
        &[
            "--env",
            "prod",
            "pipeline",
            "init",
            platform,
            "--repo",
            "contoso/shop",
            "--service-connection",
            "azlift-prod",
            "--stdout",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn parse(text: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(text).expect("the workflow is valid YAML");
    assert_eq!(docs.len(), 1, "one YAML document");
    docs.remove(0)
}

/// Every string in the document (scripts included).
fn strings(y: &Yaml, out: &mut Vec<String>) {
    match y {
        Yaml::String(s) => out.push(s.clone()),
        Yaml::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Yaml::Hash(h) => h.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        _ => {}
    }
}

/// The scripts: values of `run` (GitHub), `script` and `inlineScript` (Azure Pipelines).
fn scripts(y: &Yaml, out: &mut Vec<String>) {
    match y {
        Yaml::Array(a) => a.iter().for_each(|v| scripts(v, out)),
        Yaml::Hash(h) => h.iter().for_each(|(k, v)| match (k.as_str(), v) {
            (Some("run" | "script" | "inlineScript"), Yaml::String(s)) => out.push(s.clone()),
            _ => scripts(v, out),
        }),
        _ => {}
    }
}

/// Each `azlift ...` invocation in the scripts, as its words (up to a redirection or the
/// end of the line).
fn invocations(doc: &Yaml) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    scripts(doc, &mut all);
    let mut found = Vec::new();
    for s in all {
        for line in s.lines() {
            let line = line.trim();
            let Some(rest) = line.strip_prefix("azlift ") else {
                continue;
            };
            let words: Vec<String> = rest
                .split_whitespace()
                .take_while(|w| !w.starts_with('>') && !w.starts_with('|') && *w != "&&")
                .map(str::to_string)
                .collect();
            found.push(words);
        }
    }
    found
}

/// The subcommands `azlift --help` lists.
fn subcommands(dir: &std::path::Path) -> BTreeSet<String> {
    let help = String::from_utf8(azlift(&["--help"], dir).stdout).expect("utf-8");
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn check_invocations_exist(platform: &str) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = parse(&generated(platform));
    let calls = invocations(&doc);
    let commands = subcommands(dir.path());
    assert!(
        commands.contains("plan") && commands.contains("up"),
        "{commands:?}"
    );
    for words in &calls {
        let cmd = words.first().expect("a command");
        assert!(
            commands.contains(cmd),
            "`azlift {}` names no command ({commands:?})",
            words.join(" ")
        );
        let help = azlift(&[cmd, "--help"], dir.path());
        assert!(help.status.success(), "azlift {cmd} --help");
        let help = String::from_utf8(help.stdout).expect("utf-8");
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            let flag = flag.split('=').next().expect("a flag");
            assert!(
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                "`azlift {}`: {flag} is not a flag of `azlift {cmd}`",
                words.join(" ")
            );
        }
    }
    calls.len()
}

#[test]
fn github_workflow_calls_only_commands_and_flags_that_exist() {
    let n = check_invocations_exist("github");
    // plan, graph (the picture) and verify (SARIF and text) on PRs; plan and up on main.
    assert_eq!(n, 6);
}

#[test]
fn azure_devops_pipeline_calls_only_commands_and_flags_that_exist() {
    assert_eq!(check_invocations_exist("azure-devops"), 3);
}

#[test]
fn github_workflow_plans_on_pull_requests_and_applies_on_main_keylessly() {
    let doc = parse(&generated("github"));
    assert_eq!(doc["permissions"]["id-token"].as_str(), Some("write"));
    assert_eq!(doc["permissions"]["contents"].as_str(), Some("read"));
    let on = &doc["on"];
    assert!(!on["pull_request"].is_badvalue() && !on["push"].is_badvalue());
    assert_eq!(on["push"]["branches"][0].as_str(), Some("main"));
    for v in [
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_SUBSCRIPTION_ID",
    ] {
        assert_eq!(
            doc["env"][v].as_str(),
            Some(format!("${{{{ vars.{v} }}}}").as_str())
        );
    }
    let plan = &doc["jobs"]["plan"];
    assert_eq!(
        plan["if"].as_str(),
        Some("github.event_name == 'pull_request'")
    );
    let apply = &doc["jobs"]["apply"];
    assert_eq!(
        apply["concurrency"]["group"].as_str(),
        Some("azlift-apply-prod")
    );
    assert_eq!(
        apply["concurrency"]["cancel-in-progress"].as_bool(),
        Some(false)
    );
    // An `environment:` would change the OIDC subject away from the federated credential's.
    assert!(apply["environment"].is_badvalue());
    let mut texts = Vec::new();
    strings(plan, &mut texts);
    let plan_text = texts.join("\n");
    assert!(plan_text.contains("--detailed-exitcode"));
    assert!(plan_text.contains("$GITHUB_STEP_SUMMARY"));
    assert!(plan_text.contains("actions/upload-artifact@v4"));
    // The picture of the change goes into the job summary, drawn from the saved plan.
    let summary = plan_text
        .split("{\n")
        .find(|block| block.contains("```mermaid"))
        .expect("a summary block with a Mermaid picture");
    assert!(summary.contains("cat plan.mmd"), "{summary}");
    assert!(
        summary.contains("} >> \"$GITHUB_STEP_SUMMARY\""),
        "{summary}"
    );
    assert!(plan_text.contains("azlift graph --manifest azlift.toml --env prod --format mermaid --plan azlift.plan > plan.mmd"));
    // The verify rules judge the plan; findings go to code scanning as annotations, and
    // fail the job.
    assert!(plan_text.contains("azlift verify --manifest azlift.toml --env prod --plan azlift.plan --format sarif > verify.sarif"));
    assert!(plan_text.contains("github/codeql-action/upload-sarif@v3"));
    assert_eq!(
        plan["permissions"]["security-events"].as_str(),
        Some("write")
    );
    assert_eq!(plan["permissions"]["id-token"].as_str(), Some("write"));
    assert!(plan_text.contains("steps.verify.outputs.exitcode == '1'"));
    let mut texts = Vec::new();
    strings(apply, &mut texts);
    let apply_text = texts.join("\n");
    assert!(apply_text.contains("azlift up azlift.plan"));
    assert!(apply_text.contains("steps.plan.outputs.exitcode == '2'"));
    assert!(apply_text.contains("cargo install --locked azlift"));
}

#[test]
fn azure_devops_pipeline_uses_the_service_connection_and_uploads_a_summary() {
    let doc = parse(&generated("azure-devops"));
    assert_eq!(doc["lockBehavior"].as_str(), Some("sequential"));
    assert_eq!(
        doc["variables"]["serviceConnection"].as_str(),
        Some("azlift-prod")
    );
    let mut texts = Vec::new();
    strings(&doc, &mut texts);
    let all = texts.join("\n");
    assert!(all.contains("##vso[task.uploadsummary]"));
    assert!(all.contains("$(System.AccessToken)"));
    assert!(all.contains("AzureCLI@2"));
    let apply = &doc["stages"][1]["jobs"][0];
    assert_eq!(apply["environment"].as_str(), Some("azlift-prod"));
}

/// Every step (a hash with `task` or `script`) anywhere in the document.
fn steps<'a>(y: &'a Yaml, out: &mut Vec<&'a Yaml>) {
    match y {
        Yaml::Array(a) => a.iter().for_each(|v| steps(v, out)),
        Yaml::Hash(h) => {
            if !y["task"].is_badvalue() || !y["script"].is_badvalue() {
                out.push(y);
            }
            h.values().for_each(|v| steps(v, out));
        }
        _ => {}
    }
}

#[test]
fn azure_devops_steps_that_run_azlift_get_what_azure_pipelines_credential_reads() {
    // azlift's Azure Pipelines credential (tested end to end in ci_azure_pipelines_oidc.rs)
    // reads AZURESUBSCRIPTION_{SERVICE_CONNECTION,CLIENT,TENANT}_ID, which the AzureCLI@2
    // task sets for its service connection, SYSTEM_OIDCREQUESTURI (predefined) and
    // SYSTEM_ACCESSTOKEN, which a step sees only when it maps it. Nothing that would win
    // earlier in the credential order may be set.
    let doc = parse(&generated("azure-devops"));
    let mut all = Vec::new();
    steps(&doc, &mut all);
    let mut running = 0;
    for step in all {
        let script = step["inputs"]["inlineScript"]
            .as_str()
            .or(step["script"].as_str())
            .unwrap_or_default();
        let runs_azlift = script
            .lines()
            .any(|l| l.trim_start().starts_with("azlift "));
        if !runs_azlift {
            continue;
        }
        running += 1;
        assert_eq!(step["task"].as_str(), Some("AzureCLI@2"), "{script}");
        assert_eq!(
            step["inputs"]["azureSubscription"].as_str(),
            Some("$(serviceConnection)"),
            "{script}"
        );
        assert_eq!(
            step["env"]["SYSTEM_ACCESSTOKEN"].as_str(),
            Some("$(System.AccessToken)"),
            "{script}"
        );
        for earlier in [
            "AZURE_CLIENT_SECRET",
            "AZURE_FEDERATED_TOKEN_FILE",
            "AZLIFT_CREDENTIAL",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
        ] {
            assert!(step["env"][earlier].is_badvalue(), "{earlier} in env");
            assert!(!script.contains(earlier), "{earlier} in {script}");
        }
    }
    assert_eq!(running, 2, "the plan step and the apply step run azlift");
}

#[test]
fn workflows_match_their_snapshots() {
    insta::assert_snapshot!("github_workflow", generated("github"));
    insta::assert_snapshot!("azure_devops_pipeline", generated("azure-devops"));
}

#[test]
fn init_writes_the_file_refuses_to_overwrite_and_prints_the_az_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = azlift(
        &["pipeline", "init", "github", "--repo", "contoso/shop"],
        dir.path(),
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    let path = dir.path().join(".github/workflows/azlift.yml");
    let written = std::fs::read_to_string(&path).expect("written");
    parse(&written);
    assert!(
        stdout.contains("az ad app federated-credential create"),
        "{stdout}"
    );
    assert!(
        stdout.contains("repo:contoso/shop:ref:refs/heads/main"),
        "{stdout}"
    );
    assert!(
        stdout.contains("repo:contoso/shop:pull_request"),
        "{stdout}"
    );
    assert!(stdout.contains("api://AzureADTokenExchange"), "{stdout}");
    assert!(stdout.contains("az role assignment create"), "{stdout}");

    std::fs::write(&path, "# mine\n").expect("write");
    let again = azlift(
        &["pipeline", "init", "github", "--repo", "contoso/shop"],
        dir.path(),
    );
    assert_eq!(again.status.code(), Some(1));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("exists already") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "# mine\n");

    let forced = azlift(
        &[
            "pipeline",
            "init",
            "github",
            "--repo",
            "contoso/shop",
            "--force",
        ],
        dir.path(),
    );
    assert!(forced.status.success());
    assert_ne!(std::fs::read_to_string(&path).expect("read"), "# mine\n");
}

#[test]
fn the_repository_comes_from_the_git_remote() {
    let dir = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        Command::new("git")
            .current_dir(dir.path())
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !git(&["init", "-q"]) {
        eprintln!("git is not installed: skipped");
        return;
    }
    assert!(git(&[
        "remote",
        "add",
        "origin",
        "git@github.com:fabrikam/infra.git"
    ]));
    let out = azlift(&["pipeline", "init", "github", "--stdout"], dir.path());
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("repo:fabrikam/infra:pull_request"), "{err}");
}

/// `pipeline init github --repo contoso/shop --stdout` in `dir` with `manifest` as its
/// azlift.toml: the workflow (stdout) and the setup commands (stderr).
fn init_with_manifest(dir: &std::path::Path, manifest: &str) -> (String, String) {
    std::fs::write(dir.join("azlift.toml"), manifest).expect("manifest written");
    let out = azlift(
        &[
            "pipeline",
            "init",
            "github",
            "--repo",
            "contoso/shop",
            "--stdout",
        ],
        dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// State: a pipeline needs remote state. With `[state]` in the manifest the workflow needs
/// nothing more and the commands only grant the container role; without it the workflow reads
/// `AZLIFT_STATE_URL` and `pipeline init` says why and prints how to create the storage.
#[test]
fn state_comes_from_the_manifest_or_a_ci_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = "[project]\nname = \"shop\"\nlocation = \"eastus\"\n";
    let (workflow, setup) = init_with_manifest(
        dir.path(),
        &format!(
            "{project}\n[state]\nbackend = \"azblob\"\naccount = \"shopstate1\"\ncontainer = \"tfstate\"\n"
        ),
    );
    assert!(!workflow.contains("AZLIFT_STATE_URL:"), "{workflow}");
    assert!(
        workflow.contains("# State: the manifest's [state] (https://shopstate1.blob.core.windows.net/tfstate/shop/default.json)"),
        "{workflow}"
    );
    assert!(!setup.contains("az storage account create"), "{setup}");
    assert!(
        setup.contains("--role \"Storage Blob Data Contributor\" --scope \"$(az storage account show --name shopstate1 --query id -o tsv)/blobServices/default/containers/tfstate\""),
        "{setup}"
    );
    assert!(!setup.contains("note: the manifest keeps state in a local file"));

    let (workflow, setup) = init_with_manifest(dir.path(), project);
    assert!(workflow.contains("AZLIFT_STATE_URL: ${{ vars.AZLIFT_STATE_URL }}"));
    assert!(
        setup.contains("note: the manifest keeps state in a local file"),
        "{setup}"
    );
    assert!(
        setup.contains("az storage account create --name azliftcontososhop"),
        "{setup}"
    );
    assert!(
        setup.contains("gh variable set AZLIFT_STATE_URL --repo contoso/shop --body \"https://azliftcontososhop.blob.core.windows.net/azlift-state/shop/default.json\""),
        "{setup}"
    );
}
