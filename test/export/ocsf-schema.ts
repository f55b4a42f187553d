import { existsSync, readFileSync } from 'node:fs'

/**
 * A small validator over the OCSF schema's source files (../shared/reference/ocsf-1.8.0): a class's
 * attributes are its own, its parents' (`extends`) and its profiles' (`$include`); each attribute's type
 * and enum come from dictionary.json, refined by the class or object. It checks what a consumer relies
 * on: required attributes present (a profile's only when metadata.profiles applies it), no attribute
 * the schema does not define, types (scalar types, arrays, objects, regex and length limits of the
 * string types), enum values, objects' at_least_one / just_one constraints, and the classification
 * ids (category_uid, class_uid = category * 1000 + class, type_uid = class_uid * 100 + activity_id).
 */

export const OCSF_DIR = new URL('../../../shared/reference/ocsf-1.8.0/', import.meta.url)
export const ocsfSchemaPresent = existsSync(OCSF_DIR)

interface AttributeSpec {
  requirement?: 'required' | 'recommended' | 'optional'
  type?: string
  is_array?: boolean
  enum?: Record<string, unknown>
  profile?: string | null
}
interface Definition {
  name: string
  uid?: number
  category?: string
  extends?: string
  attributes: Record<string, AttributeSpec> & { $include?: string[] }
  constraints?: { at_least_one?: string[]; just_one?: string[] }
}
interface TypeSpec {
  type?: string
  regex?: string
  max_len?: number
  range?: [number, number]
}
/** An attribute as a class or object has it: the dictionary's, refined; `profile` when a profile adds it. */
export interface Attribute extends AttributeSpec {
  name: string
}

const read = (path: string) => JSON.parse(readFileSync(new URL(path, OCSF_DIR), 'utf8'))

export class OcsfSchema {
  readonly version: string
  private readonly dictionary: Record<string, AttributeSpec>
  private readonly types: Record<string, TypeSpec>
  private readonly categories: Record<string, { uid: number }>
  private readonly classes = new Map<string, Definition>()

  constructor() {
    this.version = read('version.json').version
    const dictionary = read('dictionary.json')
    this.dictionary = dictionary.attributes
    this.types = dictionary.types.attributes
    this.categories = read('categories.json').attributes
    for (const name of [
      'base_event',
      'finding',
      'compliance_finding',
      'detection_finding',
      'iam_analysis_finding',
    ])
      this.classes.set(name, read(`events/${name === 'base_event' ? '' : 'findings/'}${name}.json`))
  }

  private object(name: string): Definition {
    return read(`objects/${name}.json`)
  }

  /** A definition's attributes, its parents' first, then its profiles', then its own. */
  private attributesOf(def: Definition, load: (name: string) => Definition): Map<string, Attribute> {
    const parent = def.extends ? this.attributesOf(load(def.extends), load) : new Map<string, Attribute>()
    const { $include = [], ...own } = def.attributes
    for (const include of $include) {
      const profile = read(include) as Definition
      const { $include: _, ...attributes } = profile.attributes
      for (const [name, spec] of Object.entries(attributes))
        parent.set(name, { ...this.merge(name, parent.get(name), spec), profile: profile.name })
    }
    for (const [name, spec] of Object.entries(own)) parent.set(name, this.merge(name, parent.get(name), spec))
    return parent
  }

  private merge(name: string, base: Attribute | undefined, spec: AttributeSpec): Attribute {
    const dict = this.dictionary[name] ?? {}
    const enumValues = { ...dict.enum, ...base?.enum, ...spec.enum }
    return {
      name,
      ...dict,
      ...base,
      ...spec,
      profile: spec.profile !== undefined ? spec.profile : base?.profile,
      ...(Object.keys(enumValues).length ? { enum: enumValues } : {}),
    }
  }

  private constraintsOf(def: Definition): Definition['constraints'] {
    const parent = def.extends ? this.constraintsOf(this.object(def.extends)) : undefined
    return { ...parent, ...def.constraints }
  }

  classAttributes(className: string): Map<string, Attribute> {
    return this.attributesOf(this.classes.get(className)!, (n) => this.classes.get(n)!)
  }

  /** The class's uid as events carry it: category uid * 1000 + the class's own. */
  classUid(className: string): number {
    return this.categories[this.categoryOf(className)]!.uid * 1000 + this.classes.get(className)!.uid!
  }

  categoryUid(className: string): number {
    return this.categories[this.categoryOf(className)]!.uid
  }

  private categoryOf(className: string): string {
    let def = this.classes.get(className)
    while (def && !def.category) def = def.extends ? this.classes.get(def.extends) : undefined
    return def!.category!
  }

  /** What is wrong with `event` as an instance of `className`: an empty list when nothing is. */
  validate(event: Record<string, unknown>, className: string): string[] {
    const errors: string[] = []
    const attributes = this.classAttributes(className)
    const profiles = ((event.metadata as { profiles?: string[] } | undefined)?.profiles ?? []) as string[]
    const classification = new Set(['class_uid', 'category_uid', 'type_uid'])
    if (event.class_uid !== this.classUid(className))
      errors.push(`class_uid: ${event.class_uid}, not ${this.classUid(className)}`)
    if (event.category_uid !== this.categoryUid(className))
      errors.push(`category_uid: ${event.category_uid}, not ${this.categoryUid(className)}`)
    if (event.type_uid !== (event.class_uid as number) * 100 + (event.activity_id as number))
      errors.push(`type_uid: ${event.type_uid}, not class_uid * 100 + activity_id`)
    this.validateObject(event, attributes, '', profiles, errors, classification)
    return errors
  }

  private validateObject(
    value: Record<string, unknown>,
    attributes: Map<string, Attribute>,
    path: string,
    profiles: readonly string[],
    errors: string[],
    skipEnum: ReadonlySet<string> = new Set(),
    constraints: Definition['constraints'] = {},
  ): void {
    for (const a of attributes.values())
      if (a.requirement === 'required' && (!a.profile || profiles.includes(a.profile)) && !(a.name in value))
        errors.push(`${path}${a.name}: required, missing`)
    for (const [key, v] of Object.entries(value)) {
      const a = attributes.get(key)
      if (!a) {
        errors.push(`${path}${key}: not an attribute of this class or object`)
        continue
      }
      if (a.profile && !profiles.includes(a.profile))
        errors.push(`${path}${key}: belongs to profile ${a.profile}, which metadata.profiles does not apply`)
      const values = a.is_array ? v : [v]
      if (a.is_array && !Array.isArray(v)) {
        errors.push(`${path}${key}: an array expected`)
        continue
      }
      for (const [i, item] of (values as unknown[]).entries()) {
        const at = `${path}${key}${a.is_array ? `[${i}]` : ''}`
        this.validateValue(item, a, at, profiles, errors)
        if (a.enum && !skipEnum.has(key) && !Object.hasOwn(a.enum, String(item)))
          errors.push(`${at}: ${JSON.stringify(item)} is not one of ${Object.keys(a.enum).join(', ')}`)
      }
    }
    const present = (names: string[]) => names.filter((n) => value[n] !== undefined).length
    const where = path.replace(/\.$/, '') || 'event'
    if (constraints.at_least_one && present(constraints.at_least_one) < 1)
      errors.push(`${where}: needs at least one of ${constraints.at_least_one.join(', ')}`)
    if (constraints.just_one && present(constraints.just_one) !== 1)
      errors.push(`${where}: needs exactly one of ${constraints.just_one.join(', ')}`)
  }

  private validateValue(
    v: unknown,
    a: Attribute,
    at: string,
    profiles: readonly string[],
    errors: string[],
  ): void {
    const type = a.type ?? 'string_t'
    if (type === 'object' || type === 'json_t') {
      if (type === 'object' && (typeof v !== 'object' || v === null || Array.isArray(v)))
        errors.push(`${at}: an object expected`)
      return
    }
    if (!this.types[type]) {
      // An object type: its own attributes, recursively.
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        errors.push(`${at}: a ${type} object expected`)
        return
      }
      const def = this.object(type)
      const attributes = this.attributesOf(def, (n) => this.object(n))
      this.validateObject(
        v as Record<string, unknown>,
        attributes,
        `${at}.`,
        profiles,
        errors,
        new Set(),
        this.constraintsOf(def),
      )
      return
    }
    let base = type
    const limits: TypeSpec[] = []
    while (this.types[base]?.type) {
      limits.push(this.types[base]!)
      base = this.types[base]!.type!
    }
    limits.push(this.types[base] ?? {})
    const ok =
      base === 'string_t'
        ? typeof v === 'string'
        : base === 'integer_t' || base === 'long_t'
          ? Number.isSafeInteger(v)
          : base === 'float_t'
            ? typeof v === 'number' && Number.isFinite(v)
            : base === 'boolean_t'
              ? typeof v === 'boolean'
              : true
    if (!ok) {
      errors.push(`${at}: ${JSON.stringify(v)} is not a ${type}`)
      return
    }
    for (const l of limits) {
      if (l.regex && !new RegExp(l.regex).test(String(v)))
        errors.push(`${at}: does not match ${type}'s pattern`)
      if (l.max_len && String(v).length > l.max_len) errors.push(`${at}: longer than ${l.max_len}`)
      if (l.range && ((v as number) < l.range[0] || (v as number) > l.range[1]))
        errors.push(`${at}: outside ${l.range.join('-')}`)
    }
  }
}
