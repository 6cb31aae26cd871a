// What Apache Kafka's controller says of GROUP and CLIENT_METRICS config changes, for
// tests/controller_group_configs.rs.
//
//   java GroupConfigProbe keys
//       the keys GroupConfig defines, then those ClientMetricsConfigs defines, one per line
//       ("group KEY" / "client-metrics KEY"), sorted.
//   java GroupConfigProbe check BASE_FILE CASES_FILE
//       one verdict per case line: "ok", or the error code and message ("40\tmessage").
//       A case line is tab-separated: resource type id, resource name, the controller's extra
//       properties, the resource's current configs, the change (keys set, in request order).
//       Each of the last three is "-" or pairs separated by \u001f, key and value split at the
//       first '='. The controller's KafkaConfig is BASE_FILE's properties with the extra ones;
//       the change is validated as ConfigurationControlManager does: the current configs put
//       in a new HashMap, each changed key put in it (in the order of a HashMap of the
//       request's keys), then ControllerConfigurationValidator.validate.
//
// Text is printed with tab, newline, carriage return and backslash escaped as \t \n \r \\.

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

import kafka.server.ControllerConfigurationValidator;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.coordinator.group.GroupConfig;
import org.apache.kafka.server.metrics.ClientMetricsConfigs;

public class GroupConfigProbe {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("keys")) {
            for (String key : new TreeSet<>(GroupConfig.configNames())) {
                System.out.println("group " + key);
            }
            for (String key : new TreeSet<>(ClientMetricsConfigs.names())) {
                System.out.println("client-metrics " + key);
            }
            return;
        }
        Properties base = new Properties();
        try (InputStream in = new FileInputStream(args[1])) {
            base.load(in);
        }
        for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) {
                System.out.println(check(base, line.split("\t", -1)));
            }
        }
    }

    static Map<String, String> pairs(String field) {
        Map<String, String> out = new LinkedHashMap<>();
        if (field.equals("-")) {
            return out;
        }
        for (String pair : field.split("\u001f", -1)) {
            int at = pair.indexOf('=');
            out.put(pair.substring(0, at), pair.substring(at + 1));
        }
        return out;
    }

    static String escape(String text) {
        if (text == null) {
            return "\\N";
        }
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    static String check(Properties base, String[] fields) {
        ConfigResource.Type type = ConfigResource.Type.forId(Byte.parseByte(fields[0]));
        ConfigResource resource = new ConfigResource(type, fields[1]);
        Properties properties = new Properties();
        properties.putAll(base);
        properties.putAll(pairs(fields[2]));
        KafkaConfig config = KafkaConfig.fromProps(properties, false);
        Map<String, String> existing = pairs(fields[3]);
        Map<String, String> request = new HashMap<>();
        request.putAll(pairs(fields[4]));
        Map<String, String> all = new HashMap<>();
        all.putAll(existing);
        for (Map.Entry<String, String> change : request.entrySet()) {
            all.put(change.getKey(), change.getValue());
        }
        try {
            new ControllerConfigurationValidator(config).validate(resource, all, existing);
            return "ok";
        } catch (ConfigException e) {
            return "40\t" + escape(e.getMessage());
        } catch (Throwable e) {
            ApiError error = ApiError.fromThrowable(e);
            return error.error().code() + "\t" + escape(error.message());
        }
    }
}
