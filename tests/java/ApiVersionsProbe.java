// Completes the ApiVersions exchange against one Kafka node with Kafka's own client library
// (kafka-clients' NetworkClient with broker-version discovery, the path every Kafka client,
// broker and controller takes before its first request) and prints what the client learned:
//
//   api <key> <min> <max>                   one line per API the client knows, by key
//   supported-feature <name> <min> <max>    the node's supported feature ranges
//   finalized-feature <name> <level>        the node's finalized feature levels
//   client-api <key> <latest>               every API key this client library knows (an API
//                                           it does not know cannot appear as "api") and the
//                                           newest stable version of it this release has
//
// Usage: java -cp <kafka-clients jars>:<this class> ApiVersionsProbe HOST:PORT [TIMEOUT_MS]
// Exits 0 when the exchange completes, 1 when it fails, 2 on bad arguments.

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.MetadataRecoveryStrategy;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.NetworkClientUtils;
import org.apache.kafka.clients.NodeApiVersions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.feature.SupportedVersionRange;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.network.PlaintextChannelBuilder;
import org.apache.kafka.common.network.Selector;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

public final class ApiVersionsProbe {
    private static final int NODE_ID = 0;

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2 || !args[0].contains(":")) {
            System.err.println("usage: ApiVersionsProbe HOST:PORT [TIMEOUT_MS]");
            System.exit(2);
        }
        String host = args[0].substring(0, args[0].lastIndexOf(':'));
        int port = Integer.parseInt(args[0].substring(args[0].lastIndexOf(':') + 1));
        long timeoutMs = args.length == 2 ? Long.parseLong(args[1]) : 10_000L;
        System.exit(probe(new Node(NODE_ID, host, port), timeoutMs) ? 0 : 1);
    }

    private static boolean probe(Node node, long timeoutMs) throws Exception {
        Time time = Time.SYSTEM;
        LogContext logContext = new LogContext("[ApiVersionsProbe] ");
        PlaintextChannelBuilder channelBuilder = new PlaintextChannelBuilder(null);
        channelBuilder.configure(Collections.emptyMap());
        ApiVersions apiVersions = new ApiVersions();
        try (Metrics metrics = new Metrics(time);
             Selector selector = new Selector(60_000L, metrics, time, "probe", channelBuilder, logContext);
             NetworkClient client = new NetworkClient(
                     selector,
                     new ManualMetadataUpdater(Collections.singletonList(node)),
                     "yakt-api-versions-probe",
                     1,                 // max in-flight requests per connection
                     50L, 1_000L,       // reconnect backoff, max
                     -1, -1,            // socket send and receive buffers: OS defaults
                     (int) timeoutMs,   // request timeout
                     timeoutMs, timeoutMs, // connection setup timeout, max
                     time,
                     true,              // discoverBrokerVersions: send ApiVersions first
                     apiVersions,
                     logContext,
                     MetadataRecoveryStrategy.NONE)) {
            // Ready means connected and ApiVersions answered and accepted by the client.
            if (!NetworkClientUtils.awaitReady(client, node, time, timeoutMs)) {
                System.err.println("ApiVersions with " + node.host() + ":" + node.port()
                        + " did not complete within " + timeoutMs + " ms");
                return false;
            }
            NodeApiVersions versions = apiVersions.get(node.idString());
            if (versions == null) {
                System.err.println("connection ready but no ApiVersions recorded");
                return false;
            }
            print(versions);
            return true;
        } catch (java.io.IOException e) {
            System.err.println("ApiVersions with " + node.host() + ":" + node.port() + " failed: " + e);
            return false;
        }
    }

    private static void print(NodeApiVersions versions) {
        Map<Short, ApiVersion> byKey = new TreeMap<>();
        for (ApiVersion v : versions.allSupportedApiVersions().values()) {
            byKey.put(v.apiKey(), v);
        }
        for (ApiVersion v : byKey.values()) {
            System.out.println("api " + v.apiKey() + " " + v.minVersion() + " " + v.maxVersion());
        }
        for (Map.Entry<String, SupportedVersionRange> e : new TreeMap<>(versions.supportedFeatures()).entrySet()) {
            System.out.println("supported-feature " + e.getKey() + " " + e.getValue().min() + " " + e.getValue().max());
        }
        for (Map.Entry<String, Short> e : new TreeMap<>(versions.finalizedFeatures()).entrySet()) {
            System.out.println("finalized-feature " + e.getKey() + " " + e.getValue());
        }
        for (ApiKeys key : ApiKeys.values()) {
            System.out.println("client-api " + key.id + " " + key.latestVersion());
        }
    }
}
