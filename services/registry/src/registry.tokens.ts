/** The RegistryStore in use (MongoDB when MONGO_URL is set, else memory). */
export const REGISTRY_STORE = Symbol('ossa:registry-store');
