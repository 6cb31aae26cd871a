// Metadata load through a Kafka broker with Kafka's own Admin client, and the broker's view of
// the topics it made.
//
//   AdminLoadProbe load BOOTSTRAP STOP_FILE DEADLINE_MS PAUSE_MS
//       Creates topics load-0, load-1, ... one after another (1-3 partitions, replication
//       factor 1, retention.ms set at creation), and now and then raises an earlier topic's
//       partition count by one or sets its retention.ms, until STOP_FILE exists or DEADLINE_MS
//       have passed, pausing PAUSE_MS between operations. One line per operation, printed
//       and flushed when the Admin call returns:
//         ack create TOPIC PARTITIONS RETENTION_MS
//         ack partitions TOPIC TOTAL
//         ack config TOPIC RETENTION_MS
//         fail create TOPIC PARTITIONS RETENTION_MS EXCEPTION_CLASS
//         fail partitions TOPIC TOTAL EXCEPTION_CLASS
//         fail config TOPIC RETENTION_MS EXCEPTION_CLASS
//       then "done ACKS FAILS". A topic is changed again only while every operation on it was
//       acknowledged, so after a failure its state is the last acknowledged one or the failed
//       attempt, nothing else.
//
//   AdminLoadProbe describe BOOTSTRAP PREFIX
//       One line per topic whose name starts with PREFIX, as the broker describes it:
//         topic NAME TOPIC_ID PARTITIONS RETENTION_MS   (RETENTION_MS "-" unless set on the topic)
//
// Exits 0 when done, 1 when describe fails, 2 on bad arguments.

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

public final class AdminLoadProbe {
    private static final String RETENTION = "retention.ms";

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("load")) {
            load(args[1], new File(args[2]), Long.parseLong(args[3]), Long.parseLong(args[4]));
        } else if (args.length == 3 && args[0].equals("describe")) {
            System.exit(describe(args[1], args[2]) ? 0 : 1);
        } else {
            System.err.println("usage: AdminLoadProbe load BOOTSTRAP STOP_FILE DEADLINE_MS PAUSE_MS"
                    + " | describe BOOTSTRAP PREFIX");
            System.exit(2);
        }
    }

    private static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");
        return Admin.create(props);
    }

    private static void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** The class of the exception that ended an Admin call. */
    private static String failure(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return cause.getClass().getName();
    }

    private static void load(String bootstrap, File stop, long deadlineMs, long pauseMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + deadlineMs;
        Random random = new Random(20240611L);
        // Topics whose every operation was acknowledged, with their partition counts.
        Map<String, Integer> clean = new TreeMap<>();
        int acks = 0;
        int fails = 0;
        long operation = 0;
        try (Admin admin = admin(bootstrap)) {
            while (!stop.exists() && System.currentTimeMillis() < deadline) {
                boolean ok;
                int kind = random.nextInt(6);
                List<String> known = new ArrayList<>(clean.keySet());
                String topic = known.isEmpty() ? null : known.get(random.nextInt(known.size()));
                long retention = 3_600_000L + operation * 1_000L;
                if (topic != null && kind == 4) {
                    ok = createPartitions(admin, clean, topic);
                } else if (topic != null && kind == 5) {
                    ok = alterRetention(admin, clean, topic, retention);
                } else {
                    ok = createTopic(admin, clean, "load-" + operation, 1 + random.nextInt(3), retention);
                }
                if (ok) {
                    acks++;
                } else {
                    fails++;
                }
                operation++;
                Thread.sleep(pauseMs);
            }
        }
        print("done " + acks + " " + fails);
    }

    private static boolean createTopic(Admin admin, Map<String, Integer> clean, String topic,
                                       int partitions, long retention) {
        NewTopic newTopic = new NewTopic(topic, partitions, (short) 1)
                .configs(Map.of(RETENTION, Long.toString(retention)));
        String what = "create " + topic + " " + partitions + " " + retention;
        try {
            admin.createTopics(List.of(newTopic)).all().get();
        } catch (Exception e) {
            print("fail " + what + " " + failure(e));
            return false;
        }
        clean.put(topic, partitions);
        print("ack " + what);
        return true;
    }

    private static boolean createPartitions(Admin admin, Map<String, Integer> clean, String topic) {
        int total = clean.get(topic) + 1;
        String what = "partitions " + topic + " " + total;
        try {
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(total))).all().get();
        } catch (Exception e) {
            clean.remove(topic);
            print("fail " + what + " " + failure(e));
            return false;
        }
        clean.put(topic, total);
        print("ack " + what);
        return true;
    }

    private static boolean alterRetention(Admin admin, Map<String, Integer> clean, String topic,
                                          long retention) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        AlterConfigOp set = new AlterConfigOp(new ConfigEntry(RETENTION, Long.toString(retention)),
                AlterConfigOp.OpType.SET);
        String what = "config " + topic + " " + retention;
        try {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(set))).all().get();
        } catch (Exception e) {
            clean.remove(topic);
            print("fail " + what + " " + failure(e));
            return false;
        }
        print("ack " + what);
        return true;
    }

    private static boolean describe(String bootstrap, String prefix) {
        try (Admin admin = admin(bootstrap)) {
            Set<String> names = new TreeSet<>();
            for (String name : admin.listTopics().names().get()) {
                if (name.startsWith(prefix)) {
                    names.add(name);
                }
            }
            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get();
            Collection<ConfigResource> resources = new ArrayList<>();
            for (String name : names) {
                resources.add(new ConfigResource(ConfigResource.Type.TOPIC, name));
            }
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
            for (String name : names) {
                TopicDescription topic = topics.get(name);
                ConfigEntry entry = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name))
                        .get(RETENTION);
                boolean set = entry != null
                        && entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG;
                print("topic " + name + " " + topic.topicId() + " " + topic.partitions().size() + " "
                        + (set ? entry.value() : "-"));
            }
            return true;
        } catch (Exception e) {
            System.err.println("describe failed: " + e);
            e.printStackTrace();
            return false;
        }
    }
}
