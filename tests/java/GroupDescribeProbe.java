// What Apache Kafka's controller answers to DescribeConfigs of GROUP and CLIENT_METRICS
// resources, for tests/controller_group_configs.rs.
//
//   java GroupDescribeProbe BASE_FILE CASES_FILE
//       for each case line, Kafka's ConfigHelper.describeConfigs of one resource, over a
//       controller KafkaConfig of BASE_FILE's properties with the case's extra ones and a
//       config repository holding the case's resource configs. A case line is tab-separated:
//       resource type id, resource name, the controller's extra properties, the resource's
//       configs, includeSynonyms (true/false), includeDocumentation, the requested keys. Each
//       of the properties, configs and keys fields is "-" or items separated by \u001f
//       (key and value split at the first '=').
//
// The answer to a case is its entries, one line each, then "end":
//   name \t value \t source \t sensitive \t readOnly \t type \t documentation \t synonyms
// where synonyms are name=value=source items separated by \u001f ("-" for none); or
// "error \t code \t message" then "end". Null is \N; tab, newline, carriage return and
// backslash are escaped as \t \n \r \\.

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import kafka.server.ConfigHelper;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.metadata.ConfigRepository;
import scala.jdk.javaapi.CollectionConverters;

public class GroupDescribeProbe {
    public static void main(String[] args) throws Exception {
        Properties base = new Properties();
        try (InputStream in = new FileInputStream(args[0])) {
            base.load(in);
        }
        for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) {
                describe(base, line.split("\t", -1));
                System.out.println("end");
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

    static void describe(Properties base, String[] fields) {
        byte type = Byte.parseByte(fields[0]);
        Properties properties = new Properties();
        properties.putAll(base);
        properties.putAll(pairs(fields[2]));
        KafkaConfig config = KafkaConfig.fromProps(properties, false);
        Properties stored = new Properties();
        stored.putAll(pairs(fields[3]));
        ConfigRepository repository = resource -> {
            Properties copy = new Properties();
            if (resource.type() == ConfigResource.Type.forId(type) && resource.name().equals(fields[1])) {
                copy.putAll(stored);
            }
            return copy;
        };
        List<String> keys = null;
        if (!fields[6].equals("-")) {
            keys = new ArrayList<>(List.of(fields[6].split("\u001f", -1)));
        }
        DescribeConfigsResource resource = new DescribeConfigsResource()
            .setResourceType(type)
            .setResourceName(fields[1])
            .setConfigurationKeys(keys);
        ConfigHelper helper = new ConfigHelper(null, config, repository);
        List<DescribeConfigsResult> results = CollectionConverters.asJava(helper.describeConfigs(
            CollectionConverters.asScala(List.of(resource)).toList(),
            Boolean.parseBoolean(fields[4]),
            Boolean.parseBoolean(fields[5])));
        DescribeConfigsResult result = results.get(0);
        if (result.errorCode() != 0) {
            System.out.println("error\t" + result.errorCode() + "\t" + escape(result.errorMessage()));
            return;
        }
        for (DescribeConfigsResourceResult entry : result.configs()) {
            List<String> synonyms = new ArrayList<>();
            for (DescribeConfigsSynonym synonym : entry.synonyms()) {
                synonyms.add(synonym.name() + "=" + synonym.value() + "=" + synonym.source());
            }
            System.out.println(String.join("\t",
                escape(entry.name()),
                escape(entry.value()),
                Byte.toString(entry.configSource()),
                Boolean.toString(entry.isSensitive()),
                Boolean.toString(entry.readOnly()),
                Byte.toString(entry.configType()),
                escape(entry.documentation()),
                synonyms.isEmpty() ? "-" : escape(String.join("\u001f", synonyms))));
        }
    }
}
