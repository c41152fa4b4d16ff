//! Microsoft.App/containerApps: the environment link (must exist, same region), secrets
//! (every `secretRef` names one; values write-only, served by `listSecrets`), ingress (target
//! port range, fqdn `<app>.[internal.]<defaultDomain>`, transport/traffic defaults), container
//! resources (Consumption CPU/memory pairs), scale bounds, default probes when ingress is on,
//! and revision names that change only when the template changes.

use serde_json::{Map, Value, json};

const TYPE: &str = "Microsoft.App/containerApps";
use crate::emulator::common::{
    get_ci, get_path, get_str, hash_hex, id_has_type, is_arm_id, keep, normalize_location, obj_mut,
    random_lower_alnum, set_default,
};
use crate::emulator::errors::{coded, invalid, linked_invalid};
use crate::emulator::{ArmError, Kind, PutRequest, World};

const ENVIRONMENTS: &str = "Microsoft.App/managedEnvironments";

pub struct ContainerApps;

/// The environment id a body names (`environmentId`, or `managedEnvironmentId`).
fn environment_id(body: &Value) -> Option<(&'static str, &str)> {
    let props = body.get("properties")?.as_object()?;
    for k in ["environmentId", "managedEnvironmentId"] {
        if let Some(s) = get_ci(props, k).and_then(Value::as_str) {
            return Some((k, s));
        }
    }
    None
}

fn arr(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Every `secretRef`-like reference in a body, with its path.
fn secret_refs(props: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut add = |path: String, v: Option<&Value>| {
        if let Some(s) = v.and_then(Value::as_str) {
            out.push((path, s.to_string()));
        }
    };
    for list in ["containers", "initContainers"] {
        for (i, c) in arr(get_path(props, &["template", list])).iter().enumerate() {
            for (j, e) in arr(c.get("env")).iter().enumerate() {
                add(
                    format!("properties.template.{list}[{i}].env[{j}].secretRef"),
                    e.get("secretRef"),
                );
            }
        }
    }
    for (i, r) in arr(get_path(props, &["configuration", "registries"]))
        .iter()
        .enumerate()
    {
        add(
            format!("properties.configuration.registries[{i}].passwordSecretRef"),
            r.get("passwordSecretRef"),
        );
    }
    for (i, rule) in arr(get_path(props, &["template", "scale", "rules"]))
        .iter()
        .enumerate()
    {
        for kind in ["custom", "http", "tcp", "azureQueue"] {
            for (j, a) in arr(rule.get(kind).and_then(|k| k.get("auth")))
                .iter()
                .enumerate()
            {
                add(
                    format!("properties.template.scale.rules[{i}].{kind}.auth[{j}].secretRef"),
                    a.get("secretRef"),
                );
            }
        }
    }
    for (i, vol) in arr(get_path(props, &["template", "volumes"]))
        .iter()
        .enumerate()
    {
        for (j, s) in arr(vol.get("secrets")).iter().enumerate() {
            add(
                format!("properties.template.volumes[{i}].secrets[{j}].secretRef"),
                s.get("secretRef"),
            );
        }
    }
    out
}

fn port_ok(v: &Value) -> bool {
    v.as_i64().is_some_and(|p| (1..=65535).contains(&p))
}

/// `1Gi`, `1.5Gi`, `512Mi` -> GiB.
fn memory_gib(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(n) = s.strip_suffix("Gi") {
        n.trim().parse().ok()
    } else if let Some(n) = s.strip_suffix("Mi") {
        n.trim().parse::<f64>().ok().map(|m| m / 1024.0)
    } else {
        None
    }
}

fn check_resources(props: &Value) -> Result<(), ArmError> {
    let profile = get_str(props, &["workloadProfileName"]).unwrap_or("Consumption");
    if !profile.eq_ignore_ascii_case("Consumption") {
        return Ok(()); // Dedicated profiles have their own sizes; not modelled.
    }
    let (mut cpu, mut mem) = (0.0f64, 0.0f64);
    for (i, c) in arr(get_path(props, &["template", "containers"]))
        .iter()
        .enumerate()
    {
        let r = c.get("resources");
        let c_cpu = r.and_then(|r| r.get("cpu")).and_then(Value::as_f64);
        let c_mem = r.and_then(|r| r.get("memory")).and_then(Value::as_str);
        let target = format!("properties.template.containers[{i}].resources");
        match (c_cpu, c_mem) {
            (None, None) => {
                cpu += 0.5;
                mem += 1.0;
            }
            (Some(x), Some(m)) => {
                let Some(g) = memory_gib(m) else {
                    return Err(invalid(
                        TYPE,
                        &format!("{target}.memory"),
                        format!("Memory '{m}' is invalid; use a value such as '1Gi' or '0.5Gi'."),
                    ));
                };
                cpu += x;
                mem += g;
            }
            _ => {
                return Err(invalid(
                    TYPE,
                    &target,
                    "Both cpu and memory must be given for a container's resources, or neither.",
                ));
            }
        }
    }
    let quarter = (cpu * 4.0).round();
    let ok = (cpu * 4.0 - quarter).abs() < 1e-9
        && (1.0..=16.0).contains(&quarter)
        && (mem - cpu * 2.0).abs() < 1e-9;
    if !ok {
        return Err(coded(
            "ContainerAppInvalidResourceTotal",
            "properties.template.containers",
            format!(
                "The total requested CPU and memory resources for this application (CPU: {cpu}, memory: {mem}Gi) is invalid. Total CPU and memory for all containers defined in a Container App must add up to one of the following CPU - Memory combinations: [cpu: 0.25, memory: 0.5Gi]; [cpu: 0.5, memory: 1.0Gi]; ... [cpu: 4.0, memory: 8.0Gi]"
            ),
        ));
    }
    Ok(())
}

impl Kind for ContainerApps {
    fn validate(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        let Some((key, env_id)) = environment_id(req.body) else {
            return Err(invalid(
                TYPE,
                "properties.environmentId",
                "The property 'environmentId' is required: the managed environment the app runs in.",
            ));
        };
        let target = format!("properties.{key}");
        if !is_arm_id(env_id) {
            return Err(linked_invalid(&target, env_id));
        }
        if !id_has_type(env_id, ENVIRONMENTS)
            && !id_has_type(env_id, "Microsoft.App/connectedEnvironments")
        {
            return Err(invalid(
                TYPE,
                &target,
                format!("'{env_id}' is not a managed environment id."),
            ));
        }
        let Some(env) = world.get(env_id) else {
            return Err(ArmError::not_found(
                "ManagedEnvironmentNotFound",
                format!(
                    "Managed environment '{}' was not found.",
                    env_id.rsplit('/').next().unwrap_or(env_id)
                ),
            )
            .with_target(target));
        };
        if let (Some(a), Some(e)) = (
            get_str(req.body, &["location"]),
            get_str(&env, &["location"]),
        ) && normalize_location(a) != normalize_location(e)
        {
            return Err(invalid(
                TYPE,
                "location",
                format!(
                    "The container app's location '{a}' must be the location of its managed environment '{e}'."
                ),
            ));
        }
        let props = req.body.get("properties").cloned().unwrap_or(Value::Null);

        let mut names: Vec<&str> = Vec::new();
        for (i, s) in arr(get_path(&props, &["configuration", "secrets"]))
            .iter()
            .enumerate()
        {
            let t = format!("properties.configuration.secrets[{i}]");
            let name = get_str(s, &["name"]).unwrap_or_default();
            let name_ok = !name.is_empty()
                && name.len() <= 253
                && name.bytes().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.'
                })
                && name
                    .as_bytes()
                    .first()
                    .is_some_and(u8::is_ascii_alphanumeric)
                && name
                    .as_bytes()
                    .last()
                    .is_some_and(u8::is_ascii_alphanumeric);
            if !name_ok {
                return Err(coded(
                    "ContainerAppSecretInvalid",
                    &format!("{t}.name"),
                    format!(
                        "Secret name '{name}' is invalid: it must consist of lower case alphanumeric characters, '-' or '.', and start and end with an alphanumeric character."
                    ),
                ));
            }
            if names.contains(&name) {
                return Err(coded(
                    "ContainerAppSecretInvalid",
                    &format!("{t}.name"),
                    format!("Secret name '{name}' is used more than once."),
                ));
            }
            if get_str(s, &["value"]).is_none() && get_str(s, &["keyVaultUrl"]).is_none() {
                return Err(coded(
                    "ContainerAppSecretInvalid",
                    &format!("{t}.value"),
                    format!("Secret '{name}' needs a value or a keyVaultUrl."),
                ));
            }
            names.push(name);
        }
        for (path, r) in secret_refs(&props) {
            if !names.contains(&r.as_str()) {
                return Err(coded(
                    "ContainerAppSecretRefNotFound",
                    &path,
                    format!(
                        "Secret '{r}' referenced at '{path}' is not defined in properties.configuration.secrets."
                    ),
                ));
            }
        }

        if let Some(ing) = get_path(&props, &["configuration", "ingress"]).filter(|v| v.is_object())
        {
            let base = "properties.configuration.ingress";
            for k in ["targetPort", "exposedPort"] {
                if let Some(p) = ing.get(k).filter(|p| !p.is_null())
                    && !(port_ok(p) || (k == "exposedPort" && p.as_i64() == Some(0)))
                {
                    return Err(coded(
                        "ContainerAppInvalidIngressPort",
                        &format!("{base}.{k}"),
                        format!("{k} {p} is out of range; it must be between 1 and 65535."),
                    ));
                }
            }
            for (i, m) in arr(ing.get("additionalPortMappings")).iter().enumerate() {
                if let Some(p) = m.get("targetPort").filter(|p| !port_ok(p)) {
                    return Err(coded(
                        "ContainerAppInvalidIngressPort",
                        &format!("{base}.additionalPortMappings[{i}].targetPort"),
                        format!("targetPort {p} is out of range; it must be between 1 and 65535."),
                    ));
                }
            }
            let traffic = arr(ing.get("traffic"));
            if !traffic.is_empty() {
                let sum: i64 = traffic
                    .iter()
                    .filter_map(|t| t.get("weight"))
                    .filter_map(Value::as_i64)
                    .sum();
                if sum != 100 {
                    return Err(invalid(
                        TYPE,
                        &format!("{base}.traffic"),
                        format!("Traffic weights add up to {sum}; they must add up to 100."),
                    ));
                }
            }
        }

        let containers = arr(get_path(&props, &["template", "containers"]));
        if containers.is_empty() {
            return Err(invalid(
                TYPE,
                "properties.template.containers",
                "At least one container is required.",
            ));
        }
        let mut cnames: Vec<&str> = Vec::new();
        for (i, c) in containers.iter().enumerate() {
            let t = format!("properties.template.containers[{i}]");
            let Some(image) = get_str(c, &["image"]).filter(|s| !s.is_empty()) else {
                return Err(invalid(
                    TYPE,
                    &format!("{t}.image"),
                    "A container needs an image.",
                ));
            };
            let name = get_str(c, &["name"]).unwrap_or(image);
            if cnames.contains(&name) {
                return Err(invalid(
                    TYPE,
                    &format!("{t}.name"),
                    format!("Container name '{name}' is used more than once."),
                ));
            }
            cnames.push(name);
            let mut types: Vec<String> = Vec::new();
            for (j, p) in arr(c.get("probes")).iter().enumerate() {
                let pt = format!("{t}.probes[{j}]");
                for k in ["httpGet", "tcpSocket"] {
                    if let Some(port) = p.get(k).and_then(|x| x.get("port")).filter(|x| !port_ok(x))
                    {
                        return Err(invalid(
                            TYPE,
                            &format!("{pt}.{k}.port"),
                            format!(
                                "Probe port {port} is out of range; it must be between 1 and 65535."
                            ),
                        ));
                    }
                }
                let ty = get_str(p, &["type"])
                    .unwrap_or("Liveness")
                    .to_ascii_lowercase();
                if types.contains(&ty) {
                    return Err(invalid(
                        TYPE,
                        &format!("{pt}.type"),
                        format!(
                            "A container may have one probe of each type; '{ty}' appears twice."
                        ),
                    ));
                }
                types.push(ty);
            }
        }
        check_resources(&props)?;

        if let Some(scale) = get_path(&props, &["template", "scale"]) {
            let min = scale.get("minReplicas").and_then(Value::as_i64);
            let max = scale.get("maxReplicas").and_then(Value::as_i64);
            if let Some(m) = min.filter(|m| !(0..=1000).contains(m)) {
                return Err(invalid(
                    TYPE,
                    "properties.template.scale.minReplicas",
                    format!("minReplicas {m} must be between 0 and 1000."),
                ));
            }
            if let Some(m) = max.filter(|m| !(1..=1000).contains(m)) {
                return Err(invalid(
                    TYPE,
                    "properties.template.scale.maxReplicas",
                    format!("maxReplicas {m} must be between 1 and 1000."),
                ));
            }
            if let (Some(a), Some(b)) = (min, max)
                && a > b
            {
                return Err(invalid(
                    TYPE,
                    "properties.template.scale.minReplicas",
                    format!("minReplicas {a} is greater than maxReplicas {b}."),
                ));
            }
        }
        Ok(())
    }

    fn complete(
        &self,
        req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        previous: Option<&Value>,
        world: &dyn World,
    ) -> Result<(), ArmError> {
        let body = Value::Object(out.clone());
        let Some((_, env_id)) = environment_id(&body) else {
            return Err(invalid(
                TYPE,
                "properties.environmentId",
                "The property 'environmentId' is required.",
            ));
        };
        let env_id = env_id.to_string();
        let Some(env) = world.get(&env_id) else {
            return Err(ArmError::not_found(
                "ManagedEnvironmentNotFound",
                format!("Managed environment '{env_id}' was not found."),
            ));
        };
        let domain = get_str(&env, &["properties", "defaultDomain"])
            .unwrap_or("emulator.azurecontainerapps.io")
            .to_string();
        let region = out
            .get("location")
            .and_then(Value::as_str)
            .map(normalize_location)
            .unwrap_or_else(|| "eastus".into());

        let props = obj_mut(out, "properties");
        props.insert("environmentId".into(), json!(env_id));
        props.insert("managedEnvironmentId".into(), json!(env_id));

        // Ingress defaults and the address the service gives the app.
        let cfg = obj_mut(props, "configuration");
        set_default(cfg, "activeRevisionsMode", json!("Single"));
        set_default(cfg, "maxInactiveRevisions", json!(100));
        let mut target_port = None;
        let mut internal = false;
        if let Some(ing) = cfg.get_mut("ingress").and_then(Value::as_object_mut) {
            set_default(ing, "external", json!(false));
            set_default(ing, "transport", json!("auto"));
            set_default(ing, "allowInsecure", json!(false));
            set_default(
                ing,
                "traffic",
                json!([{ "weight": 100, "latestRevision": true }]),
            );
            internal = ing.get("external").and_then(Value::as_bool) != Some(true);
            target_port = ing.get("targetPort").and_then(Value::as_i64);
            let fqdn = if internal {
                format!("{}.internal.{domain}", req.name)
            } else {
                format!("{}.{domain}", req.name)
            };
            ing.insert("fqdn".into(), json!(fqdn));
        }

        // Template defaults: container resources, default probes under ingress, scale.
        let tpl = obj_mut(props, "template");
        for list in ["containers", "initContainers"] {
            if let Some(Value::Array(cs)) = tpl.get_mut(list) {
                for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                    let r = obj_mut(c, "resources");
                    set_default(r, "cpu", json!(0.5));
                    set_default(r, "memory", json!("1Gi"));
                    let cpu = r.get("cpu").and_then(Value::as_f64).unwrap_or(0.5);
                    r.insert("ephemeralStorage".into(), json!(format!("{}Gi", cpu * 4.0)));
                }
            }
        }
        // The service adds, to the main (first) app container, a default TCP probe of each
        // type the container does not declare, whenever ingress is on.
        if let Some(port) = target_port
            && let Some(main) = tpl
                .get_mut("containers")
                .and_then(Value::as_array_mut)
                .and_then(|cs| cs.first_mut())
                .and_then(Value::as_object_mut)
        {
            let mut probes = arr(main.get("probes")).to_vec();
            for default in default_probes(port) {
                let kind = default["type"].as_str().unwrap_or_default();
                let declared = probes.iter().any(|p| {
                    p.get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.eq_ignore_ascii_case(kind))
                });
                if !declared {
                    probes.push(default);
                }
            }
            main.insert("probes".into(), Value::Array(probes));
        }
        let scale = obj_mut(tpl, "scale");
        set_default(scale, "minReplicas", json!(0));
        set_default(scale, "maxReplicas", json!(10));
        set_default(scale, "cooldownPeriod", json!(300));
        set_default(scale, "pollingInterval", json!(30));

        // A new revision when the template changed (or on first create).
        let template = props.get("template").cloned().unwrap_or(Value::Null);
        let prev_template = previous.and_then(|p| get_path(p, &["properties", "template"]));
        let prev_rev = previous.and_then(|p| get_str(p, &["properties", "latestRevisionName"]));
        let revision = match (prev_template, prev_rev) {
            (Some(t), Some(r)) if *t == template => r.to_string(),
            _ => {
                let suffix = get_str(&template, &["revisionSuffix"])
                    .map(str::to_string)
                    .unwrap_or_else(|| random_lower_alnum(7));
                format!("{}--{suffix}", req.name)
            }
        };
        let rev_fqdn = if target_port.is_some() {
            if internal {
                format!("{revision}.internal.{domain}")
            } else {
                format!("{revision}.{domain}")
            }
        } else {
            String::new()
        };
        props.insert("latestRevisionName".into(), json!(revision));
        props.insert("latestReadyRevisionName".into(), json!(revision));
        props.insert("latestRevisionFqdn".into(), json!(rev_fqdn));
        props.insert("runningStatus".into(), json!("Running"));
        props.insert(
            "outboundIpAddresses".into(),
            keep(previous, &["properties", "outboundIpAddresses"], || {
                let h = hash_hex(&env_id.to_ascii_lowercase(), 12);
                let b = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(1);
                json!([
                    format!("20.{}.{}.{}", b(0), b(2), b(4).max(1)),
                    format!("20.{}.{}.{}", b(6), b(8), b(10).max(1))
                ])
            }),
        );
        props.insert(
            "customDomainVerificationId".into(),
            json!(
                hash_hex(
                    &format!("cdv:{}", req.subscription.to_ascii_lowercase()),
                    64
                )
                .to_ascii_uppercase()
            ),
        );
        props.insert(
            "eventStreamEndpoint".into(),
            json!(format!(
                "https://{region}.azurecontainerapps.dev/subscriptions/{}/resourceGroups/{}/containerApps/{}/eventstream",
                req.subscription, req.resource_group, req.name
            )),
        );
        Ok(())
    }

    fn get_view(&self, view: &mut Value) {
        if let Some(Value::Array(secrets)) = view
            .get_mut("properties")
            .and_then(|p| p.get_mut("configuration"))
            .and_then(|c| c.get_mut("secrets"))
        {
            for s in secrets.iter_mut().filter_map(Value::as_object_mut) {
                s.remove("value");
            }
        }
    }

    fn action(&self, action: &str, stored: &Value) -> Option<Result<Value, ArmError>> {
        if !action.eq_ignore_ascii_case("listSecrets") {
            return None;
        }
        let value: Vec<Value> = arr(get_path(
            stored,
            &["properties", "configuration", "secrets"],
        ))
        .iter()
        .map(|s| {
            let mut o = Map::new();
            for k in ["name", "value", "identity", "keyVaultUrl"] {
                if let Some(v) = s.get(k).filter(|v| !v.is_null()) {
                    o.insert(k.into(), v.clone());
                }
            }
            Value::Object(o)
        })
        .collect();
        Some(Ok(json!({ "value": value })))
    }
}

/// The probes the service adds when ingress is on, one per type the main container lacks
/// (azure-container-apps#1423). Values from the "Default configuration" table of the
/// Container Apps health-probes documentation: Startup TCP on the target port, timeout 3 s,
/// period 1 s, initial delay 1 s, success 1, failure 240; Readiness TCP, timeout 5 s,
/// period 5 s, initial delay 3 s, success 1, failure 48; Liveness TCP on the target port (the
/// table gives nothing more, so nothing more is invented here).
fn default_probes(port: i64) -> Vec<Value> {
    vec![
        json!({"type": "Liveness", "tcpSocket": {"port": port}}),
        json!({"type": "Readiness", "failureThreshold": 48, "initialDelaySeconds": 3,
               "periodSeconds": 5, "successThreshold": 1, "tcpSocket": {"port": port},
               "timeoutSeconds": 5}),
        json!({"type": "Startup", "failureThreshold": 240, "initialDelaySeconds": 1,
               "periodSeconds": 1, "successThreshold": 1, "tcpSocket": {"port": port},
               "timeoutSeconds": 3}),
    ]
}
