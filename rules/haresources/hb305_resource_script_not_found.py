from __future__ import annotations

from elastix_halint.builtin.haresources._helpers import HARESOURCES, STANDARD_AGENTS
from elastix_halint.lint.rule import Edit, Finding, Rule, Severity


class ResourceScriptNotFound(Rule):
    """A resource names a misspelt Heartbeat script (`IPAddr`, `FileSystem`).

    ## What it checks
    Each resource's script name against Heartbeat's own resource.d scripts (IPaddr,
    Filesystem, drbddisk, MailTo…): a name that differs only in case, or by a typo when the
    resource has `::` arguments, is reported with the right name. Whether a custom script
    exists in /etc/ha.d/resource.d or /etc/init.d on both nodes is not captured in a bundle
    and is not checked.

    ## Why it matters
    Script names are file names and case-sensitive: ResourceManager stops with "ERROR:
    Cannot locate resource script IPAddr", the group fails to start and so does the failover
    (ResourceManager `scriptpath()`).

    ## Example
    ```
    node1 IPAddr::192.168.1.245/24/eth0 drbddisk::r0 FileSystem::/dev/drbd0::/replica::ext3
    ```

    ## Fix
    Write the script as Heartbeat names it: `IPaddr`, `Filesystem`.
    """

    id = "HB305"
    name = "resource-script-not-found"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        for res in model.resources:
            meant = _standard_agent(res)
            if meant:
                case = " (script names are case-sensitive)" if meant.lower() == res.agent.lower() else ""
                yield Finding(res.part_span(res.agent), f"there is no Heartbeat resource script {res.agent!r}; "
                                                         f"the script is {meant!r}{case}",
                              suggestion=meant, fix=Edit(res.part_span(res.agent), meant), hint=f"write {meant}")


def _standard_agent(res) -> str | None:
    if res.agent in STANDARD_AGENTS or res.implicit_ipaddr:
        return None
    for agent in STANDARD_AGENTS:
        if agent.lower() == res.agent.lower():
            return agent
    if res.args:
        import difflib

        close = difflib.get_close_matches(res.agent, STANDARD_AGENTS, n=1, cutoff=0.85)
        return close[0] if close else None
    return None
