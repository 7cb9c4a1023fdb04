/**
 * The SDK v3 clients and commands an AWS source may call, as the generated `#aws-clients`
 * module hands them over: by package, then by class name, exactly as the definitions name them.
 */

/** What an SDK v3 client does for a source: send a command, and let go of its sockets. */
export interface SdkClient {
  send(command: object): Promise<unknown>;
  destroy(): void;
}

/**
 * An SDK v3 client class, e.g. `S3Client`. Construct signatures in an interface compare their
 * parameters both ways, so each client's own config type fits.
 */
export interface SdkClientClass {
  new (config: object): SdkClient;
}

/**
 * An SDK v3 command class, e.g. `ListObjectsV2Command`. Each takes its own input type, which
 * only the definition (checked against the command's model at synth) knows: build one with
 * `newCommand`.
 */
export interface SdkCommandClass {
  new (input: never): object;
}

/** A command of `Class` with `input`, the members the definition names (checked at synth). */
export function newCommand(Class: SdkCommandClass, input: Readonly<Record<string, unknown>>): object {
  const command: unknown = Reflect.construct(Class, [input]);
  if (typeof command !== 'object' || command === null) throw new Error(`${Class.name} built no command`);
  return command;
}

/** One client package's classes that deployed definitions name. */
export interface AwsClientModule {
  readonly clients: Readonly<Record<string, SdkClientClass>>;
  readonly commands: Readonly<Record<string, SdkCommandClass>>;
}

/** The client packages a bundle carries, by package name (`@aws-sdk/client-s3`), each loaded on first use. */
export type AwsClientModules = Readonly<Record<string, () => Promise<AwsClientModule>>>;
