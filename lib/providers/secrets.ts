// Provider secrets: straight from the environment locally; on AWS from an SSM SecureString whose
// name is in the environment, fetched once per cold start (cached by Powertools) and kept in memory.
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { ConfigError } from '../config';

export async function resolveSecret(
  name: string,
  value: string | undefined,
  parameterName: string | undefined,
) {
  if (value) return value;
  if (!parameterName) throw new ConfigError(`Invalid configuration: ${name} is not set`);
  const secret = await getParameter(parameterName, { decrypt: true, maxAge: 900 });
  if (!secret) throw new ConfigError(`Invalid configuration: SSM parameter for ${name} is empty or missing`);
  return secret;
}
