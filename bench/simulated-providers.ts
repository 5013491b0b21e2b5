// The two provider simulators a bench runs against, on loopback, each with one client the service
// authenticates as (a Tink secret and a Moneyhub RS256 key made for this run, never stored), and the
// settings that point the service at them. Used by the benches that call providers (cold-start,
// sweep); `close` stops both servers.
import { randomBytes } from 'node:crypto';
import { MoneyhubSimulatorControl, startMoneyhubSimulator } from '../local/simulators/moneyhub';
import { generateClientKey } from '../local/simulators/moneyhub/demo-data';
import { startTinkSimulator, TinkSimulatorControl } from '../local/simulators/tink';

export interface SimulatedProviders {
  tink: TinkSimulatorControl;
  moneyhub: MoneyhubSimulatorControl;
  /** TINK_* and MONEYHUB_* settings for the service, pointed at the simulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface SimulatedProvidersOptions {
  /** How long the Tink simulator takes to finish a credential refresh (its default otherwise). */
  tinkRefreshDurationMs?: number;
}

export async function startSimulatedProviders(
  options: SimulatedProvidersOptions = {},
): Promise<SimulatedProviders> {
  const tinkSecret = randomBytes(24).toString('base64url');
  const tinkServer = await startTinkSimulator({
    clients: [{ clientId: 'bench-tink', clientSecret: tinkSecret }],
    ...(options.tinkRefreshDurationMs === undefined
      ? {}
      : { refreshDurationMs: options.tinkRefreshDurationMs }),
  });
  try {
    const moneyhubKey = await generateClientKey('RS256');
    const moneyhubServer = await startMoneyhubSimulator({
      clients: [
        {
          clientId: 'bench-moneyhub',
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: moneyhubKey.publicJwks,
          signingAlg: moneyhubKey.alg,
        },
      ],
    });
    return {
      tink: new TinkSimulatorControl(tinkServer.url),
      moneyhub: new MoneyhubSimulatorControl(moneyhubServer.url),
      env: {
        TINK_BASE_URL: tinkServer.url,
        TINK_CLIENT_ID: 'bench-tink',
        TINK_CLIENT_SECRET: tinkSecret,
        MONEYHUB_IDENTITY_URL: moneyhubServer.url,
        MONEYHUB_DATA_API_URL: `${moneyhubServer.url}/v3`,
        MONEYHUB_CLIENT_ID: 'bench-moneyhub',
        MONEYHUB_AUTH_METHOD: 'private_key_jwt',
        MONEYHUB_PRIVATE_JWK: JSON.stringify(moneyhubKey.privateJwk),
      },
      close: async () => {
        await moneyhubServer.close();
        await tinkServer.close();
      },
    };
  } catch (error) {
    await tinkServer.close();
    throw error;
  }
}
