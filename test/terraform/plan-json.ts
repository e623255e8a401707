/**
 * Reading `terraform show -json` of a saved plan: planned resources (values known at plan time,
 * and which ones are unknown until apply), data sources read during the plan, and the
 * configuration's references for values a plan cannot know (service account emails, ids).
 */

type Values = Record<string, unknown>;

/** One planned resource instance. `after` holds the known values; `unknown` marks the rest. */
export interface Planned {
  address: string;
  type: string;
  name: string;
  index: string | number | undefined;
  actions: string[];
  after: Values;
  unknown: Values;
}

interface Expression {
  constant_value?: unknown;
  references?: string[];
}

interface ConfigResource {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  expressions?: Record<string, unknown>;
  depends_on?: string[];
}

export interface PlanJson {
  resource_changes: {
    address: string;
    mode: 'managed' | 'data';
    type: string;
    name: string;
    index?: string | number;
    change: { actions: string[]; after: Values | null; after_unknown: Values };
  }[];
  prior_state?: { values?: { root_module?: { resources?: { address: string; mode: string; type: string; name: string; values: Values }[] } } };
  configuration: { root_module: { resources?: ConfigResource[]; variables?: Record<string, unknown> } };
}

/** Every managed resource instance the plan creates, changes or keeps. */
export function planned(plan: PlanJson, type?: string): Planned[] {
  return plan.resource_changes
    .filter((r) => r.mode === 'managed' && (type === undefined || r.type === type))
    .map((r) => ({
      address: r.address,
      type: r.type,
      name: r.name,
      index: r.index,
      actions: r.change.actions,
      after: r.change.after ?? {},
      unknown: r.change.after_unknown ?? {},
    }));
}

/** The one instance at `address`; throws when the plan has none. */
export function one(plan: PlanJson, address: string): Planned {
  const found = planned(plan).find((r) => r.address === address);
  if (!found) throw new Error(`the plan has no ${address}`);
  return found;
}

/** Values of a data source the plan read (data sources with known arguments are read at plan time). */
export function dataValues(plan: PlanJson, address: string): Values {
  const r = plan.prior_state?.values?.root_module?.resources?.find((x) => x.address === address);
  if (!r) throw new Error(`the plan read no ${address}`);
  return r.values;
}

/** The configuration block of resource `type.name` (shared by all its instances). */
export function config(plan: PlanJson, address: string): ConfigResource {
  const r = (plan.configuration.root_module.resources ?? []).find((x) => x.address === address);
  if (!r) throw new Error(`the configuration has no ${address}`);
  return r;
}

/**
 * What an argument refers to, from the configuration: `path` walks nested blocks (blocks are
 * arrays of one object in the JSON), e.g. ['build_config', 'service_account'].
 */
export function references(plan: PlanJson, address: string, path: string[]): string[] {
  let node: unknown = config(plan, address).expressions;
  for (const step of path) {
    if (Array.isArray(node)) node = node[0];
    node = (node as Record<string, unknown> | undefined)?.[step];
  }
  return (node as Expression | undefined)?.references ?? [];
}

/** First element of a nested block (blocks plan as lists). */
export function blockOf(values: Values, name: string): Values {
  const b = values[name];
  const first = Array.isArray(b) ? b[0] : b;
  if (first === undefined || first === null || typeof first !== 'object') throw new Error(`no ${name} block`);
  return first as Values;
}

/** Renders a Terraform templatefile() template that only interpolates plain variables. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  if (template.includes('%{')) throw new Error('template directives are not supported here');
  return template.replace(/(\$?)\$\{(\w+)\}/g, (_m, escaped: string, name: string) => {
    if (escaped) return `\${${name}}`;
    const value = vars[name];
    if (value === undefined) throw new Error(`template variable ${name} is not passed`);
    return value;
  });
}
