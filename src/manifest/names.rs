//! Azure naming rules for every ARM name azlift derives or accepts, and location
//! normalisation (`"East US"` -> `eastus`) with the list of known regions.

/// A name rule broken: what is wrong, in words, for the message.
pub(crate) type Broken = String;

fn len_in(name: &str, min: usize, max: usize) -> Result<(), Broken> {
    let n = name.chars().count();
    if n < min || n > max {
        Err(format!(
            "must be {min} to {max} characters long (it has {n})"
        ))
    } else {
        Ok(())
    }
}

/// Lower-case letters, digits and hyphens; starts with a letter, ends alphanumeric, no `--`.
fn dns_label(name: &str, min: usize, max: usize, lowercase_only: bool) -> Result<(), Broken> {
    len_in(name, min, max)?;
    let ok_char = |c: char| {
        c == '-'
            || c.is_ascii_digit()
            || if lowercase_only {
                c.is_ascii_lowercase()
            } else {
                c.is_ascii_alphabetic()
            }
    };
    if let Some(bad) = name.chars().find(|c| !ok_char(*c)) {
        return Err(if bad.is_ascii_uppercase() {
            format!("must be lower case (found `{bad}`)")
        } else {
            format!(
                "may hold only {}letters, digits and hyphens (found `{bad}`)",
                if lowercase_only { "lower-case " } else { "" }
            )
        });
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("must start with a letter".into());
    }
    if !name.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("must end with a letter or digit".into());
    }
    if name.contains("--") {
        return Err("must not contain `--`".into());
    }
    Ok(())
}

/// `Microsoft.ContainerRegistry/registries`: 5-50 letters and digits (globally unique:
/// `NAME.azurecr.io`).
pub(crate) fn container_registry(name: &str) -> Result<(), Broken> {
    len_in(name, 5, 50)?;
    match name.chars().find(|c| !c.is_ascii_alphanumeric()) {
        Some(bad) => Err(format!("may hold only letters and digits (found `{bad}`)")),
        None => Ok(()),
    }
}

/// `Microsoft.ManagedIdentity/userAssignedIdentities`: 3-128, a letter or digit first, then
/// letters, digits, hyphens and underscores.
pub(crate) fn user_identity(name: &str) -> Result<(), Broken> {
    len_in(name, 3, 128)?;
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("must start with a letter or digit".into());
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        Some(bad) => Err(format!(
            "may hold only letters, digits, hyphens and underscores (found `{bad}`)"
        )),
        None => Ok(()),
    }
}

/// The project name, from which other names are derived.
pub(crate) fn project(name: &str) -> Result<(), Broken> {
    dns_label(name, 2, 40, true)
}

/// `Microsoft.App/containerApps`: 2-32, lower case, letters/digits/hyphens.
pub(crate) fn container_app(name: &str) -> Result<(), Broken> {
    dns_label(name, 2, 32, true)
}

/// `Microsoft.App/managedEnvironments`: 2-60, lower case, letters/digits/hyphens.
pub(crate) fn managed_environment(name: &str) -> Result<(), Broken> {
    dns_label(name, 2, 60, true)
}

/// `Microsoft.ApiManagement/service`: 1-50, letters/digits/hyphens, starts with a letter;
/// globally unique (`NAME.azure-api.net`).
pub(crate) fn apim_service(name: &str) -> Result<(), Broken> {
    dns_label(name, 1, 50, false)
}

/// `Microsoft.OperationalInsights/workspaces`: 4-63, letters/digits/hyphens, alphanumeric at
/// both ends.
pub(crate) fn workspace(name: &str) -> Result<(), Broken> {
    len_in(name, 4, 63)?;
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "may hold only letters, digits and hyphens (found `{bad}`)"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// `Microsoft.Resources/resourceGroups`: 1-90, letters, digits, `_ - . ( )`, not ending in `.`.
pub(crate) fn resource_group(name: &str) -> Result<(), Broken> {
    len_in(name, 1, 90)?;
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || "_-.()".contains(*c)))
    {
        return Err(format!(
            "may hold only letters, digits, `_`, `-`, `.`, `(` and `)` (found `{bad}`)"
        ));
    }
    if name.ends_with('.') {
        return Err("must not end with `.`".into());
    }
    Ok(())
}

/// The general ARM rule for Insights names (App Insights, action groups, metric alerts):
/// 1-260 characters, none of `* # & + : < > ? @ % { } \ /` or control characters, not
/// ending in a space or a period.
pub(crate) fn insights(name: &str) -> Result<(), Broken> {
    len_in(name, 1, 260)?;
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_control() || "*#&+:<>?@%{}\\/".contains(*c))
    {
        return Err(format!("must not contain `{}`", bad.escape_default()));
    }
    if name.ends_with(' ') || name.ends_with('.') {
        return Err("must not end with a space or a period".into());
    }
    Ok(())
}

/// An APIM logger id: 1-80, none of `* # & + : < > ?`.
pub(crate) fn apim_logger(name: &str) -> Result<(), Broken> {
    len_in(name, 1, 80)?;
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || "*#&+:<>?".contains(*c))
    {
        return Err(format!("must not contain `{}`", bad.escape_default()));
    }
    Ok(())
}

/// A Container Apps secret name: lower-case letters, digits, `-` and `.`, alphanumeric at
/// both ends, at most 253.
pub(crate) fn app_secret(name: &str) -> Result<(), Broken> {
    len_in(name, 1, 253)?;
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(format!(
            "may hold only lower-case letters, digits, `-` and `.` (found `{bad}`)"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A container environment variable name: letters, digits, `_ - .`, not starting with a
/// digit.
pub(crate) fn env_var(name: &str) -> Result<(), Broken> {
    len_in(name, 1, 256)?;
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_-.".contains(*c)))
    {
        return Err(format!(
            "may hold only letters, digits, `_`, `-` and `.` (found `{bad}`)"
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("must not start with a digit".into());
    }
    Ok(())
}

/// A manifest key used in an address (`resource.KEY`, `action_group.KEY`, `alert.KEY`).
pub(crate) fn manifest_key(name: &str) -> Result<(), Broken> {
    len_in(name, 1, 64)?;
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "may hold only letters, digits, `-` and `_` (found `{bad}`)"
        ));
    }
    Ok(())
}

/// A location as written into bodies and URLs: a region name is lower-case letters and
/// digits once normalised; an unknown one only warns, but an empty one or one with other
/// characters (a NUL, a `/`) is an error.
pub(crate) fn location(normalized: &str) -> Result<(), Broken> {
    len_in(normalized, 1, 64)?;
    if let Some(bad) = normalized
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Err(format!(
            "may hold only letters, digits and spaces (found `{}`)",
            bad.escape_default()
        ));
    }
    Ok(())
}

/// Normalise a location the way ARM does: lower case, no spaces (`"East US"` -> `eastus`).
pub fn normalize_location(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Azure regions (public, US Government and China clouds), normalised.
pub(crate) const REGIONS: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "centraluseuap",
    "chilecentral",
    "eastasia",
    "eastus",
    "eastus2",
    "eastus2euap",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southindia",
    "southeastasia",
    "spaincentral",
    "swedencentral",
    "swedensouth",
    "switzerlandnorth",
    "switzerlandwest",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
    "usgovarizona",
    "usgovtexas",
    "usgovvirginia",
    "usdodcentral",
    "usdodeast",
    "chinaeast",
    "chinaeast2",
    "chinaeast3",
    "chinanorth",
    "chinanorth2",
    "chinanorth3",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_normalise_like_arm() {
        assert_eq!(normalize_location("East US"), "eastus");
        assert_eq!(normalize_location("West Europe"), "westeurope");
        assert_eq!(normalize_location(" eastus2 "), "eastus2");
        assert_eq!(normalize_location("SWEDEN  Central"), "swedencentral");
        assert!(REGIONS.contains(&normalize_location("North Central US").as_str()));
    }

    #[test]
    fn container_app_names_follow_azure() {
        assert!(container_app("task-api").is_ok());
        assert!(container_app("a").is_err());
        assert!(
            container_app("Task-api")
                .unwrap_err()
                .contains("lower case")
        );
        assert!(container_app("1api").is_err());
        assert!(container_app("api-").is_err());
        assert!(container_app("a--b").is_err());
        assert!(container_app(&"a".repeat(33)).is_err());
        assert!(container_app(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn derived_names_follow_their_kinds() {
        assert!(workspace("abc").is_err());
        assert!(workspace("blog08-prod-logs").is_ok());
        assert!(apim_service("Blog08-apim").is_ok());
        assert!(apim_service(&"a".repeat(51)).is_err());
        assert!(resource_group("rg-x.").is_err());
        assert!(insights("a/b").is_err());
        assert!(app_secret("appinsights-connection-string").is_ok());
        assert!(app_secret("Bad").is_err());
        assert!(env_var("APPLICATIONINSIGHTS_CONNECTION_STRING").is_ok());
        assert!(env_var("1X").is_err());
    }
}
