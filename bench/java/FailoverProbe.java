// The anchor for `npm run bench:failover`: ActiveMQ's own OpenWire failover transport, default backoff.
// Sends one persistent message every 5 ms (synchronously: the send returns once the broker stored it)
// and prints the epoch milliseconds of every completed send, so the bench can see when it resumed.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class FailoverProbe {
  public static void main(String[] args) throws Exception {
    String uri = args[0];
    long durationMs = Long.parseLong(args[1]);
    ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(uri);
    Connection connection = factory.createConnection();
    connection.start();
    Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
    MessageProducer producer = session.createProducer(session.createQueue("bench.failover.java"));
    producer.setDeliveryMode(DeliveryMode.PERSISTENT);
    System.out.println("READY");
    System.out.flush();
    long end = System.currentTimeMillis() + durationMs;
    while (System.currentTimeMillis() < end) {
      producer.send(session.createTextMessage("x"));
      System.out.println("SENT " + System.currentTimeMillis());
      Thread.sleep(5);
    }
    connection.close();
  }
}
