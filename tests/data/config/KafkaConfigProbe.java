// Reads properties files with Apache Kafka's own classes and prints what Kafka makes of
// them, one canonical line per setting, for tests/config_kafka.rs to compare with yakt.
//
//   java KafkaConfigProbe properties FILE...   keys and values as java.util.Properties loads them
//   java KafkaConfigProbe config FILE...       a controller's settings as kafka.server.KafkaConfig
//                                              reads them, or "error: <message>"
//
// Each file's section starts with "== FILE". Strings are printed with every character
// outside printable ASCII (and backslash and double quote) as a backslash-u escape of four hex digits.

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

import kafka.server.KafkaConfig;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.raft.QuorumConfig;
import scala.jdk.javaapi.CollectionConverters;

public class KafkaConfigProbe {
    static final String[] INT_KEYS = {
        "controller.quorum.election.timeout.ms", "controller.quorum.fetch.timeout.ms",
        "controller.quorum.election.backoff.max.ms", "controller.quorum.request.timeout.ms",
        "controller.quorum.retry.backoff.ms", "controller.quorum.append.linger.ms",
        "broker.heartbeat.interval.ms", "broker.session.timeout.ms",
        "metadata.max.idle.interval.ms", "metadata.log.segment.bytes", "socket.request.max.bytes",
        "socket.send.buffer.bytes", "socket.receive.buffer.bytes",
        "num.partitions", "default.replication.factor", "min.insync.replicas",
    };
    static final String[] LONG_KEYS = {
        "metadata.log.segment.ms", "metadata.max.retention.bytes", "metadata.max.retention.ms",
        "metadata.log.max.record.bytes.between.snapshots", "metadata.log.max.snapshot.interval.ms",
    };

    public static void main(String[] args) throws Exception {
        boolean config = args[0].equals("config");
        for (int i = 1; i < args.length; i++) {
            System.out.println("== " + args[i]);
            Properties properties = new Properties();
            try (InputStream in = new FileInputStream(args[i])) {
                properties.load(in);
            } catch (IllegalArgumentException e) {
                System.out.println("error: " + e.getMessage());
                continue;
            }
            if (config) {
                printConfig(properties);
            } else {
                for (String key : new TreeSet<>(properties.stringPropertyNames())) {
                    System.out.println(quote(key) + "=" + quote(properties.getProperty(key)));
                }
            }
        }
    }

    static void printConfig(Properties properties) {
        KafkaConfig config;
        try {
            config = new KafkaConfig(properties, false);
        } catch (Exception e) {
            System.out.println("error: " + e.getMessage());
            return;
        }
        System.out.println("node.id=" + config.nodeId());
        System.out.println("listeners=" + endpoints(CollectionConverters.asJava(config.listeners())));
        System.out.println("advertised=" + endpoints(CollectionConverters.asJava(config.effectiveAdvertisedControllerListeners())));
        System.out.println("controller.listener.names=" + String.join(",", config.controllerListenerNames()));
        TreeMap<String, String> protocols = new TreeMap<>();
        config.effectiveListenerSecurityProtocolMap().forEach((name, protocol) -> protocols.put(name.value(), protocol.name()));
        List<String> protocolEntries = new ArrayList<>();
        protocols.forEach((name, protocol) -> protocolEntries.add(name + ":" + protocol));
        System.out.println("protocols=" + String.join(",", protocolEntries));
        TreeMap<Integer, InetSocketAddress> voters = new TreeMap<>(
            QuorumConfig.parseVoterConnections(config.getList(QuorumConfig.QUORUM_VOTERS_CONFIG)));
        List<String> voterEntries = new ArrayList<>();
        voters.forEach((id, address) -> voterEntries.add(id + "@" + hostPort(address.getHostString(), address.getPort())));
        System.out.println("voters=" + String.join(",", voterEntries));
        List<String> servers = new ArrayList<>();
        for (InetSocketAddress address : QuorumConfig.parseBootstrapServers(config.getList(QuorumConfig.QUORUM_BOOTSTRAP_SERVERS_CONFIG))) {
            servers.add(hostPort(address.getHostString(), address.getPort()));
        }
        System.out.println("bootstrap=" + String.join(",", servers));
        System.out.println("log.dirs=" + String.join(",", config.logDirs()));
        System.out.println("metadata.log.dir=" + config.metadataLogDir());
        for (String key : INT_KEYS) System.out.println(key + "=" + config.getInt(key));
        for (String key : LONG_KEYS) System.out.println(key + "=" + config.getLong(key));
        System.out.println("controller.quorum.auto.join.enable=" + config.getBoolean("controller.quorum.auto.join.enable"));
        System.out.println("sasl.mechanism.controller.protocol=" + config.getString("sasl.mechanism.controller.protocol"));
    }

    static String endpoints(List<Endpoint> endpoints) {
        List<String> entries = new ArrayList<>();
        for (Endpoint endpoint : endpoints) {
            String host = endpoint.host() == null ? "" : endpoint.host();
            entries.add(endpoint.listener() + "://" + hostPort(host, endpoint.port()));
        }
        return String.join(",", entries);
    }

    static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
