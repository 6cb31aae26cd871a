// What Apache Kafka's own classes say about broker configs, for tests/controller_broker_configs.rs.
//
//   java BrokerConfigsProbe table
//       every key Kafka's KafkaConfig defines (and the dynamic-only broker keys of
//       DynamicConfig.Broker), one tab-separated line each, sorted by name:
//       name, type, default (\N when none or null), flags, documentation.
//       Flags: d dynamic, p per-broker only, s a security config updatable only per listener,
//       i internal, o dynamic-only (not a KafkaConfig key), - none.
//   java BrokerConfigsProbe describe FILE NODE_ID PER_BROKER_FILE DEFAULT_FILE
//       a controller's KafkaConfig read from FILE, with PER_BROKER_FILE applied as the dynamic
//       configs of NODE_ID and DEFAULT_FILE as the cluster-wide defaults (as a controller's
//       DynamicConfigPublisher applies them), described by kafka.server.ConfigHelper for
//       resources NODE_ID, "", NODE_ID+1 and "x" with synonyms: one line per resource
//       ("== name code message") and one per config, sorted by name.
//
// Text is printed with tab, newline, carriage return and backslash escaped as \t \n \r \\.

import java.io.FileInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import kafka.server.ConfigHelper;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.apache.kafka.server.config.DynamicBrokerConfig;
import org.apache.kafka.server.config.DynamicConfig;
import scala.jdk.javaapi.CollectionConverters;

public class BrokerConfigsProbe {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("table")) {
            table();
        } else {
            describe(args[1], Integer.parseInt(args[2]), args[3], args[4]);
        }
    }

    static String escape(String text) {
        if (text == null) {
            return "\\N";
        }
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    static void table() {
        Map<String, ConfigDef.ConfigKey> keys = new TreeMap<>(AbstractKafkaConfig.CONFIG_DEF.configKeys());
        Map<String, ConfigDef.ConfigKey> dynamicOnly = new TreeMap<>(DynamicConfig.Broker.configKeys());
        dynamicOnly.keySet().removeAll(keys.keySet());
        keys.putAll(dynamicOnly);
        Map<String, String> modes = DynamicBrokerConfig.dynamicConfigUpdateModes();
        for (ConfigDef.ConfigKey key : keys.values()) {
            String flags = "";
            if (DynamicBrokerConfig.ALL_DYNAMIC_CONFIGS.contains(key.name)) flags += "d";
            if ("per-broker".equals(modes.get(key.name))) flags += "p";
            if (DynamicBrokerConfig.DYNAMIC_SECURITY_CONFIGS.contains(key.name)) flags += "s";
            if (key.internalConfig) flags += "i";
            if (dynamicOnly.containsKey(key.name)) flags += "o";
            String defaultValue = null;
            if (key.hasDefault() && key.defaultValue != null) {
                Map<String, Object> one = new TreeMap<>();
                one.put(key.name, key.defaultValue);
                defaultValue = ConfigDef.convertToStringMapWithPasswordValues(one).get(key.name);
            }
            System.out.println(String.join("\t", key.name, key.type.name(), escape(defaultValue),
                flags.isEmpty() ? "-" : flags, escape(key.documentation)));
        }
    }

    static Properties load(String path) throws Exception {
        Properties properties = new Properties();
        try (InputStream in = new FileInputStream(path)) {
            properties.load(in);
        }
        return properties;
    }

    static void describe(String file, int nodeId, String perBroker, String defaults) throws Exception {
        KafkaConfig config = KafkaConfig.fromProps(load(file), false);
        config.dynamicConfig().initialize(scala.Option.empty());
        config.dynamicConfig().updateDefaultConfig(load(defaults), false);
        config.dynamicConfig().updateBrokerConfig(nodeId, load(perBroker), false);
        ConfigHelper helper = new ConfigHelper(null, config, null);
        List<DescribeConfigsResource> resources = new ArrayList<>();
        for (String name : new String[] {String.valueOf(nodeId), "", String.valueOf(nodeId + 1), "x"}) {
            resources.add(new DescribeConfigsResource().setResourceType((byte) 4).setResourceName(name)
                .setConfigurationKeys(null));
        }
        List<DescribeConfigsResult> results = CollectionConverters.asJava(
            helper.describeConfigs(CollectionConverters.asScala(resources).toList(), true, false));
        for (DescribeConfigsResult result : results) {
            System.out.println("== " + escape(result.resourceName()) + " " + result.errorCode() + " "
                + escape(result.errorMessage()));
            List<DescribeConfigsResourceResult> configs = new ArrayList<>(result.configs());
            configs.sort(Comparator.comparing(DescribeConfigsResourceResult::name));
            for (DescribeConfigsResourceResult c : configs) {
                StringBuilder line = new StringBuilder();
                line.append(escape(c.name())).append('\t').append(escape(c.value())).append('\t')
                    .append(c.configSource()).append('\t').append(c.isSensitive()).append('\t')
                    .append(c.readOnly()).append('\t').append(c.configType());
                for (DescribeConfigsSynonym s : c.synonyms()) {
                    line.append('\t').append(escape(s.name())).append('=').append(escape(s.value()))
                        .append('@').append(s.source());
                }
                System.out.println(line);
            }
        }
    }
}
