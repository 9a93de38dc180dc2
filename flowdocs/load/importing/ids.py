"""Azure resource ids: compared case-insensitively, and taken apart.

Azure treats ids as case-insensitive, and the exports disagree on case: Resource Graph lowers
resource types, aztfexport and the CLI keep the portal's spelling, and a reference inside one
resource may differ in case from the referenced resource's own id. Every id is therefore
reduced to a *key*, its lower-case form, before it is compared. Terraform resources whose ids
are not known until apply get a key made of their address instead (`tf:` prefixed).
"""

from __future__ import annotations

# The resource types the importer reads, as keys (lower case).
VNET = "microsoft.network/virtualnetworks"
SUBNET = "microsoft.network/virtualnetworks/subnets"
PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
ROUTE_TABLE = "microsoft.network/routetables"
ROUTE = "microsoft.network/routetables/routes"
FIREWALL = "microsoft.network/azurefirewalls"
FIREWALL_POLICY = "microsoft.network/firewallpolicies"
RULE_COLLECTION_GROUP = "microsoft.network/firewallpolicies/rulecollectiongroups"
NSG = "microsoft.network/networksecuritygroups"
SECURITY_RULE = "microsoft.network/networksecuritygroups/securityrules"
GATEWAY = "microsoft.network/virtualnetworkgateways"
CONNECTION = "microsoft.network/connections"
LOCAL_GATEWAY = "microsoft.network/localnetworkgateways"
VIRTUAL_HUB = "microsoft.network/virtualhubs"  # a Route Server, or a Virtual WAN hub
HUB_IP_CONFIGURATION = "microsoft.network/virtualhubs/ipconfigurations"
HUB_BGP_CONNECTION = "microsoft.network/virtualhubs/bgpconnections"
LOAD_BALANCER = "microsoft.network/loadbalancers"
BACKEND_POOL = "microsoft.network/loadbalancers/backendaddresspools"
BALANCING_RULE = "microsoft.network/loadbalancers/loadbalancingrules"
PRIVATE_ENDPOINT = "microsoft.network/privateendpoints"
NIC = "microsoft.network/networkinterfaces"
POLICY = "microsoft.network/serviceendpointpolicies"
ZONE = "microsoft.network/privatednszones"
ZONE_LINK = "microsoft.network/privatednszones/virtualnetworklinks"
VM = "microsoft.compute/virtualmachines"
VAULT = "microsoft.recoveryservices/vaults"
STORAGE = "microsoft.storage/storageaccounts"
KEY_VAULT = "microsoft.keyvault/vaults"
ARC_SCOPE = "microsoft.hybridcompute/privatelinkscopes"
MONITOR_SCOPE = "microsoft.insights/privatelinkscopes"
# A private link target's kind, by its type: `key-vault`, or a private link scope's `kind`.
LINK_TARGET_KINDS = {KEY_VAULT: "key-vault", ARC_SCOPE: "arc", MONITOR_SCOPE: "monitor"}

TERRAFORM_KEY_PREFIX = "tf:"


def key_of(resource_id: str) -> str:
    """The id's key: lower case, without surrounding blanks or a trailing slash."""
    return resource_id.strip().rstrip("/").lower()


def _provider_parts(resource_id: str) -> list[str]:
    """The segments after the last `/providers/`: namespace, then type/name pairs."""
    text = resource_id.strip().rstrip("/")
    lowered = text.lower()
    start = lowered.rfind("/providers/")
    if start < 0:
        return []
    return text[start + len("/providers/"):].split("/")


def type_of(resource_id: str) -> str | None:
    """`microsoft.network/virtualnetworks/subnets` for a subnet id; None if it is no resource
    id."""
    parts = _provider_parts(resource_id)
    if len(parts) < 3 or len(parts) % 2 == 0:
        return None
    return "/".join([parts[0], *parts[1::2]]).lower()


def name_of(resource_id: str) -> str:
    """The last segment of an id: the resource's name."""
    return resource_id.strip().rstrip("/").rsplit("/", 1)[-1]


def parent_key(key: str) -> str:
    """The key of a child resource's parent (a subnet's VNet, a route's route table)."""
    return key.rsplit("/", 2)[0]


def resource_group_of(resource_id: str) -> str | None:
    """The resource group named in an id, lower case; None when there is none."""
    parts = resource_id.strip().lower().split("/")
    if "resourcegroups" in parts:
        index = parts.index("resourcegroups")
        if index + 1 < len(parts):
            return parts[index + 1]
    return None


def child_key(parent: str, child_type: str, name: str) -> str:
    """The key of a child given by name inside its parent (`subnets`, `routes`, ...)."""
    return f"{parent}/{child_type}/{name.lower()}"


def is_arm_id(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("/subscriptions/")
