// The HTTP/1.1 client simulator: connections over TCP or TLS, reading behaviours, profiles.
export { H1Connection, type H1ConnectionOptions, type H1Request, type TlsOptions, type ReadMode } from './h1-connection.ts';
export { pipeline, pipelineAndWait } from './pipeline.ts';
export {
  H1ResponseParser, type ParserOptions, type ParsedResponse, type Completion, type BodyFraming, type FramingError,
  type InterimResponse, type HeaderList, headerValue, headerValues, storedBody,
} from './h1-response-parser.ts';
export { type TimelineEvent, type TimelineEventType, eventsOf, wallNow } from './timeline.ts';
export type { ReadBehaviour, ReadControl } from './read-behaviour.ts';
export { ClientError, type ClientErrorCode } from './errors.ts';
export * from './behaviours/index.ts';
export { Profile, NetworkSection, ReadSection, parseRate } from './profile-schema.ts';
export {
  loadProfile, loadProfiles, parseProfileText, behaviourFromProfile, formatProblem, ProfileError,
  type ProfileProblem, type ProfileErrorCode, type LoadedProfile,
} from './profiles.ts';
