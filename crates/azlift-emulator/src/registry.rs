//! What the emulated subscription has registered: the resource providers, their resource
//! types and api-versions (stable and preview, from the folders of the Azure REST API
//! specifications), and the public regions with their display names. The provider endpoint
//! (`GET /subscriptions/{s}/providers/{ns}`), the api-version check and the display-name
//! shaping of locations all read this one table.

/// A public region: ARM's normalised name and the display name some services answer with.
pub struct Region {
    pub name: &'static str,
    pub display: &'static str,
}

/// Public Azure regions (the same set kinds accepts as locations).
pub const REGIONS: &[Region] = &[
    Region {
        name: "eastus",
        display: "East US",
    },
    Region {
        name: "eastus2",
        display: "East US 2",
    },
    Region {
        name: "westus",
        display: "West US",
    },
    Region {
        name: "westus2",
        display: "West US 2",
    },
    Region {
        name: "westus3",
        display: "West US 3",
    },
    Region {
        name: "centralus",
        display: "Central US",
    },
    Region {
        name: "northcentralus",
        display: "North Central US",
    },
    Region {
        name: "southcentralus",
        display: "South Central US",
    },
    Region {
        name: "westcentralus",
        display: "West Central US",
    },
    Region {
        name: "canadacentral",
        display: "Canada Central",
    },
    Region {
        name: "canadaeast",
        display: "Canada East",
    },
    Region {
        name: "brazilsouth",
        display: "Brazil South",
    },
    Region {
        name: "brazilsoutheast",
        display: "Brazil Southeast",
    },
    Region {
        name: "mexicocentral",
        display: "Mexico Central",
    },
    Region {
        name: "northeurope",
        display: "North Europe",
    },
    Region {
        name: "westeurope",
        display: "West Europe",
    },
    Region {
        name: "uksouth",
        display: "UK South",
    },
    Region {
        name: "ukwest",
        display: "UK West",
    },
    Region {
        name: "francecentral",
        display: "France Central",
    },
    Region {
        name: "francesouth",
        display: "France South",
    },
    Region {
        name: "germanywestcentral",
        display: "Germany West Central",
    },
    Region {
        name: "germanynorth",
        display: "Germany North",
    },
    Region {
        name: "norwayeast",
        display: "Norway East",
    },
    Region {
        name: "norwaywest",
        display: "Norway West",
    },
    Region {
        name: "swedencentral",
        display: "Sweden Central",
    },
    Region {
        name: "switzerlandnorth",
        display: "Switzerland North",
    },
    Region {
        name: "switzerlandwest",
        display: "Switzerland West",
    },
    Region {
        name: "polandcentral",
        display: "Poland Central",
    },
    Region {
        name: "italynorth",
        display: "Italy North",
    },
    Region {
        name: "spaincentral",
        display: "Spain Central",
    },
    Region {
        name: "australiaeast",
        display: "Australia East",
    },
    Region {
        name: "australiasoutheast",
        display: "Australia Southeast",
    },
    Region {
        name: "australiacentral",
        display: "Australia Central",
    },
    Region {
        name: "australiacentral2",
        display: "Australia Central 2",
    },
    Region {
        name: "eastasia",
        display: "East Asia",
    },
    Region {
        name: "southeastasia",
        display: "Southeast Asia",
    },
    Region {
        name: "japaneast",
        display: "Japan East",
    },
    Region {
        name: "japanwest",
        display: "Japan West",
    },
    Region {
        name: "koreacentral",
        display: "Korea Central",
    },
    Region {
        name: "koreasouth",
        display: "Korea South",
    },
    Region {
        name: "centralindia",
        display: "Central India",
    },
    Region {
        name: "southindia",
        display: "South India",
    },
    Region {
        name: "westindia",
        display: "West India",
    },
    Region {
        name: "uaenorth",
        display: "UAE North",
    },
    Region {
        name: "uaecentral",
        display: "UAE Central",
    },
    Region {
        name: "southafricanorth",
        display: "South Africa North",
    },
    Region {
        name: "southafricawest",
        display: "South Africa West",
    },
    Region {
        name: "qatarcentral",
        display: "Qatar Central",
    },
    Region {
        name: "israelcentral",
        display: "Israel Central",
    },
    Region {
        name: "newzealandnorth",
        display: "New Zealand North",
    },
    Region {
        name: "indonesiacentral",
        display: "Indonesia Central",
    },
    Region {
        name: "malaysiawest",
        display: "Malaysia West",
    },
    Region {
        name: "chilecentral",
        display: "Chile Central",
    },
];

/// The display name of a location (`eastus` or `East US` -> `East US`); `None` for names
/// that are not public regions (`global`).
pub fn display_name(location: &str) -> Option<&'static str> {
    let n: String = location
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    REGIONS.iter().find(|r| r.name == n).map(|r| r.display)
}

/// Where a registered type lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// Every public region.
    Regions,
    /// `global` only (shown as `Global`).
    Global,
    /// Child types and the resource group type: no location list.
    None,
}

/// One registered resource type.
pub struct RegisteredType {
    /// `Namespace/type[/child]`, cased as the provider registers it.
    pub arm_type: &'static str,
    /// Newest first, as ARM lists them (the Azure CLI takes the first stable one).
    pub api_versions: &'static [&'static str],
    pub locations: Where,
}

const APP_VERSIONS: &[&str] = &[
    "2026-07-01",
    "2025-10-02-preview",
    "2025-07-01",
    "2025-02-02-preview",
    "2025-01-01",
    "2024-10-02-preview",
    "2024-08-02-preview",
    "2024-03-01",
    "2024-02-02-preview",
    "2023-11-02-preview",
    "2023-08-01-preview",
    "2023-05-02-preview",
    "2023-05-01",
    "2023-04-01-preview",
    "2022-11-01-preview",
    "2022-10-01",
    "2022-06-01-preview",
    "2022-03-01",
    "2022-01-01-preview",
];

const APIM_VERSIONS: &[&str] = &[
    "2024-06-01-preview",
    "2024-05-01",
    "2023-09-01-preview",
    "2023-05-01-preview",
    "2023-03-01-preview",
    "2022-09-01-preview",
    "2022-08-01",
    "2022-04-01-preview",
    "2021-12-01-preview",
    "2021-08-01",
    "2021-04-01-preview",
    "2021-01-01-preview",
    "2020-12-01",
    "2020-06-01-preview",
    "2019-12-01",
    "2019-12-01-preview",
    "2019-01-01",
    "2018-06-01-preview",
    "2018-01-01",
    "2017-03-01",
    "2016-10-10",
    "2016-07-07",
];

/// Microsoft.Resources' own versions (resource groups, providers, resources, tags).
pub const RESOURCES_VERSIONS: &[&str] = &[
    "2025-04-01",
    "2025-03-01",
    "2024-11-01",
    "2024-07-01",
    "2024-03-01",
    "2023-07-01",
    "2022-09-01",
    "2021-04-01",
    "2021-01-01",
    "2020-10-01",
    "2020-08-01",
    "2020-06-01",
    "2019-10-01",
    "2019-08-01",
    "2019-07-01",
    "2019-05-10",
    "2019-05-01",
    "2019-03-01",
    "2018-05-01",
    "2018-02-01",
    "2017-05-10",
    "2016-09-01",
    "2016-07-01",
    "2016-06-01",
    "2016-02-01",
];

/// Subscriptions and tenants (`GET /subscriptions`, `GET /tenants`).
pub const SUBSCRIPTIONS_VERSIONS: &[&str] = &[
    "2024-11-01",
    "2022-12-01",
    "2021-01-01",
    "2020-01-01",
    "2019-11-01",
    "2019-06-01",
    "2018-06-01",
    "2016-06-01",
];

/// THE table of registered types.
pub const TYPES: &[RegisteredType] = &[
    RegisteredType {
        arm_type: "Microsoft.Resources/resourceGroups",
        api_versions: RESOURCES_VERSIONS,
        locations: Where::None,
    },
    RegisteredType {
        arm_type: "Microsoft.OperationalInsights/workspaces",
        api_versions: &[
            "2025-07-01",
            "2025-02-01",
            "2023-09-01",
            "2022-10-01",
            "2021-12-01-preview",
            "2021-06-01",
            "2020-10-01",
            "2020-08-01",
            "2020-03-01-preview",
            "2015-11-01-preview",
        ],
        locations: Where::Regions,
    },
    RegisteredType {
        arm_type: "Microsoft.Insights/components",
        api_versions: &[
            "2020-02-02-preview",
            "2020-02-02",
            "2018-05-01-preview",
            "2015-05-01",
            "2014-12-01-preview",
            "2014-08-01",
            "2014-04-01",
        ],
        locations: Where::Regions,
    },
    RegisteredType {
        arm_type: "Microsoft.Insights/actionGroups",
        api_versions: &[
            "2024-10-01-preview",
            "2023-09-01-preview",
            "2023-01-01",
            "2022-06-01",
            "2022-04-01",
            "2021-09-01",
            "2019-06-01",
            "2019-03-01",
            "2018-09-01",
            "2018-03-01",
            "2017-04-01",
        ],
        locations: Where::Global,
    },
    RegisteredType {
        arm_type: "Microsoft.Insights/metricAlerts",
        api_versions: &["2024-03-01-preview", "2018-03-01", "2017-09-01-preview"],
        locations: Where::Global,
    },
    RegisteredType {
        arm_type: "Microsoft.App/managedEnvironments",
        api_versions: APP_VERSIONS,
        locations: Where::Regions,
    },
    RegisteredType {
        arm_type: "Microsoft.App/containerApps",
        api_versions: APP_VERSIONS,
        locations: Where::Regions,
    },
    RegisteredType {
        arm_type: "Microsoft.ApiManagement/service",
        api_versions: APIM_VERSIONS,
        locations: Where::Regions,
    },
    RegisteredType {
        arm_type: "Microsoft.ApiManagement/service/loggers",
        api_versions: APIM_VERSIONS,
        locations: Where::None,
    },
    RegisteredType {
        arm_type: "Microsoft.ApiManagement/service/diagnostics",
        api_versions: APIM_VERSIONS,
        locations: Where::None,
    },
    RegisteredType {
        arm_type: "Microsoft.ManagedIdentity/userAssignedIdentities",
        api_versions: &[
            "2024-11-30",
            "2023-07-31-preview",
            "2023-01-31",
            "2022-01-31-preview",
            "2021-09-30-preview",
            "2018-11-30",
            "2015-08-31-preview",
        ],
        locations: Where::Regions,
    },
    RegisteredType {
        arm_type: "Microsoft.Authorization/roleAssignments",
        api_versions: &[
            "2022-04-01",
            "2022-01-01-preview",
            "2020-10-01-preview",
            "2020-08-01-preview",
            "2020-04-01-preview",
            "2018-09-01-preview",
            "2018-01-01-preview",
            "2015-07-01",
        ],
        locations: Where::None,
    },
];

/// The registered type (case-insensitive).
pub fn registered(arm_type: &str) -> Option<&'static RegisteredType> {
    TYPES
        .iter()
        .find(|t| t.arm_type.eq_ignore_ascii_case(arm_type))
}

/// The namespace as registered (`microsoft.insights` -> `Microsoft.Insights`), when any
/// registered type belongs to it.
pub fn namespace(ns: &str) -> Option<&'static str> {
    TYPES.iter().find_map(|t| {
        let (n, _) = t.arm_type.split_once('/')?;
        n.eq_ignore_ascii_case(ns).then_some(n)
    })
}

/// The registered types of a namespace, in table order.
pub fn types_of(ns: &str) -> impl Iterator<Item = &'static RegisteredType> + '_ {
    TYPES.iter().filter(move |t| {
        t.arm_type
            .split_once('/')
            .is_some_and(|(n, _)| n.eq_ignore_ascii_case(ns))
    })
}

/// Whether a subscription id is well formed (a GUID, as ARM demands).
pub fn valid_subscription_id(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok() && s.len() == 36
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_round_trip_through_normalisation() {
        assert_eq!(display_name("eastus"), Some("East US"));
        assert_eq!(display_name("East US"), Some("East US"));
        assert_eq!(display_name("WESTEUROPE"), Some("West Europe"));
        assert_eq!(display_name("global"), None);
        for r in REGIONS {
            let n: String = r
                .display
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(n, r.name, "display name of {}", r.name);
        }
    }

    #[test]
    fn versions_are_newest_first_and_unique() {
        for t in TYPES {
            let dates: Vec<&str> = t.api_versions.iter().map(|v| &v[..10]).collect();
            let mut sorted = dates.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(dates, sorted, "{} versions newest first", t.arm_type);
            let mut uniq = t.api_versions.to_vec();
            uniq.dedup();
            assert_eq!(uniq.len(), t.api_versions.len(), "{}", t.arm_type);
        }
    }

    #[test]
    fn namespaces_come_back_as_registered() {
        assert_eq!(namespace("microsoft.insights"), Some("Microsoft.Insights"));
        assert_eq!(namespace("Contoso.Nothing"), None);
        assert_eq!(types_of("MICROSOFT.APP").count(), 2);
        assert!(registered("microsoft.insights/ACTIONGROUPS").is_some());
    }

    #[test]
    fn subscription_ids_must_be_guids() {
        assert!(valid_subscription_id(
            "00000000-0000-0000-0000-000000000000"
        ));
        assert!(!valid_subscription_id("not-a-guid"));
        assert!(!valid_subscription_id("00000000000000000000000000000000"));
        assert!(!valid_subscription_id(
            "{00000000-0000-0000-0000-000000000000}"
        ));
    }
}
