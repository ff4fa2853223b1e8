import { validate as deployment } from "kubernetes-models/_schemas/IoK8sApiAppsV1Deployment";
import { validate as cronJob } from "kubernetes-models/_schemas/IoK8sApiBatchV1CronJob";
import { validate as job } from "kubernetes-models/_schemas/IoK8sApiBatchV1Job";
import { validate as configMap } from "kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap";
import { validate as secret } from "kubernetes-models/_schemas/IoK8sApiCoreV1Secret";
import { validate as service } from "kubernetes-models/_schemas/IoK8sApiCoreV1Service";

// The official Kubernetes OpenAPI schemas, as the kubernetes-models package compiles them (ajv,
// offline). They accept fields they do not know, as the API server's lenient decoding does; made
// strict here: the document is validated through a proxy that records every property the
// validator reads, and a property it never read is unknown to the schema. (A map such as labels
// is enumerated by the validator, so all its keys count as read.)

type Validator = ((data: unknown) => boolean) & { errors?: unknown };

const VALIDATORS: Record<string, Validator> = {
  "v1/ConfigMap": configMap as Validator,
  "v1/Secret": secret as Validator,
  "v1/Service": service as Validator,
  "apps/v1/Deployment": deployment as Validator,
  "batch/v1/Job": job as Validator,
  "batch/v1/CronJob": cronJob as Validator,
};

export interface StrictResult {
  problems: string[]; // empty when the document is valid and has no unknown field
}

export function validateStrict(doc: unknown): StrictResult {
  const d = doc as { apiVersion?: string; kind?: string };
  const validator = VALIDATORS[`${d?.apiVersion}/${d?.kind}`];
  if (validator === undefined)
    return { problems: [`no schema for apiVersion ${d?.apiVersion} kind ${d?.kind}`] };
  const read = new WeakMap<object, Set<PropertyKey>>();
  const enumerated = new WeakSet<object>();
  const proxies = new WeakMap<object, object>();
  const objects: { target: object; path: string }[] = [];
  const wrap = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== "object") return value;
    const target = value as object;
    const known = proxies.get(target);
    if (known) return known;
    if (!Array.isArray(target)) {
      read.set(target, new Set());
      objects.push({ target, path });
    }
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        read.get(t)?.add(key);
        const v = Reflect.get(t, key, receiver);
        return typeof key === "string" ? wrap(v, `${path}/${key}`) : v;
      },
      has(t, key) {
        read.get(t)?.add(key);
        return Reflect.has(t, key);
      },
      ownKeys(t) {
        enumerated.add(t);
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, key) {
        read.get(t)?.add(key);
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };
  const problems: string[] = [];
  if (!validator(wrap(doc, ""))) problems.push(`schema: ${JSON.stringify(validator.errors)}`);
  for (const { target, path } of objects) {
    if (enumerated.has(target)) continue;
    for (const key of Object.keys(target))
      if (!read.get(target)?.has(key)) problems.push(`unknown field ${path}/${key}`);
  }
  return { problems };
}

// The documents of a YAML text (Bun's parser gives several documents as an array; no document
// tend writes is an array itself).
export function yamlDocuments(text: string): Record<string, unknown>[] {
  const parsed = Bun.YAML.parse(text) as unknown;
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  return (docs as unknown[]).filter((d) => d !== null) as Record<string, unknown>[];
}
