// Prints the APIs a Kafka broker forwards to the active controller and offers its clients only
// when the controller advertises them: every API key marked forwardable that the broker
// listener serves, one line each:
//
//   forwardable <key> <name>
//
// Usage: java -cp <kafka-clients jars>:<this class> ForwardableApisProbe

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;

public class ForwardableApisProbe {
    public static void main(String[] args) {
        for (ApiKeys key : ApiKeys.apisForListener(ApiMessageType.ListenerType.BROKER)) {
            if (key.forwardable) {
                System.out.println("forwardable " + key.id + " " + key.name);
            }
        }
    }
}
