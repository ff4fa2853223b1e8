// Kubernetes names from tend names, by one rule (README, "Export"): lowercase; every character
// other than a-z, 0-9 and "-" becomes "-"; runs of "-" become one; "-" is trimmed from both ends;
// a name that then starts with a digit gets "p-" in front (a Service name must start with a
// letter). The result must fit the object's limit (63, 52 for a CronJob, whose Jobs get a
// suffix); two processes whose names give the same result are refused, never renamed.
export function dnsName(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return /^[0-9]/.test(base) || base === "" ? `p-${base}`.replace(/-$/, "") : base;
}

// The problems of a set of names: each (kind, name) once, within each kind's length limit.
export function namingProblems(objects: { kind: string; name: string; from: string }[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const o of objects) {
    // ConfigMap and Secret names are DNS subdomains; a Service's and a pod owner's are labels.
    const limit = o.kind === "CronJob" ? 52 : o.kind === "ConfigMap" || o.kind === "Secret" ? 253 : 63;
    if (o.name.length > limit)
      problems.push(
        `${o.from}: the ${o.kind} name "${o.name}" is longer than ${limit} characters; rename it`,
      );
    const id = `${o.kind}/${o.name}`;
    const other = seen.get(id);
    if (other !== undefined && other !== o.from)
      problems.push(`${other} and ${o.from} both become the ${o.kind} "${o.name}"; rename one of them`);
    else seen.set(id, o.from);
  }
  return problems;
}
