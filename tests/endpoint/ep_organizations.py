"""AWS Organizations: ListAccounts (JSON 1.1, paginated by NextToken).

The scenario's `organization` is {"management_account": id, "accounts":
[{"Id", "Name", "Status", "Email"?}...]}. Only a caller of the management
account (or one listed in `delegated_admins`) may list; others get
AWSOrganizationsNotInUseException when there is no organization, else
AccessDeniedException, as Organizations answers a member account.
"""

import ep_paging
from ep_protocols import AwsError


def list_accounts(state, identity, params):
    sc = state.scenario()
    org = sc.get("organization")
    if org is None:
        raise AwsError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.", 400)
    allowed = {org.get("management_account", sc["account"])} | set(org.get("delegated_admins", []))
    if identity.account not in allowed:
        raise AwsError("AccessDeniedException",
                       "You don't have permissions to access this resource.", 400)
    accounts = []
    for a in org.get("accounts", []):
        item = {"Id": a["Id"], "Arn": f"arn:aws:organizations::{org.get('management_account', sc['account'])}"
                f":account/o-efstoptest/{a['Id']}", "Name": a.get("Name", a["Id"]),
                "Email": a.get("Email", f"{a['Id']}@example.com"), "Status": a.get("Status", "ACTIVE"),
                "JoinedMethod": a.get("JoinedMethod", "CREATED"), "JoinedTimestamp": 1700000000}
        accounts.append(item)
    size = min(params.get("MaxResults", 20), state.page_size())
    items, token = ep_paging.page(accounts, params, "NextToken", {"NextToken", "MaxResults"}, size,
                                  AwsError("InvalidInputException",
                                           "You provided an invalid value for NextToken.", 400))
    out = {"Accounts": items}
    if token:
        out["NextToken"] = token
    return out


OPERATIONS = {"ListAccounts": list_accounts}
