import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local bound to 127.0.0.1 on a free port (the stock runner binds every
 * interface), prints "READY <port>" once it accepts connections, and exits when stdin closes
 * so it never outlives the Node process that started it.
 */
public final class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof ServerConnector sc) {
        sc.setHost("127.0.0.1");
        sc.setPort(0);
      }
    }
    proxy.start();
    int port = -1;
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof ServerConnector sc) port = sc.getLocalPort();
    }
    System.out.println("READY " + port);
    System.out.flush();
    while (System.in.read() != -1) {
      // drain until the parent closes our stdin
    }
    proxy.stop();
    System.exit(0);
  }
}
