// The Lambda bundles' stand-in for the AWS SDK's default credential chain, swapped in by an esbuild
// alias (serverless.yml). On Lambda the function role's credentials are always in the environment,
// so the chain's SSO, INI, web-identity and process providers — and the nested STS, SSO and sign-in
// clients they carry — were a tenth of every zip, never used. Unbundled code (tests, scripts, the
// benchmarks) keeps the full chain.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = () => fromEnv();
