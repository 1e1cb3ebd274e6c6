package io.meshplane.demo;

import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Map;
import java.util.Queue;

/**
 * The simulated API server's request handling: fabric8's CRUD dispatcher, plus what
 * {@code kubectl} needs and the mock lacks. kubectl discovers resource types before it lists
 * anything, so the legacy discovery documents of the kinds the demo uses are served here (for any
 * query string, since kubectl appends {@code ?timeout=32s}); and kubectl only prints tables of
 * responses labelled {@code application/json}, which the mock leaves unlabelled. Thread-safe: the
 * documents are constants and the CRUD dispatcher is fabric8's.
 */
final class DiscoveryDispatcher extends Dispatcher {

  private static final String RESOURCE = """
      {"name":"%s","singularName":"%s","namespaced":%s,"kind":"%s",\
      "verbs":["create","delete","get","list","patch","update","watch"]%s}""";

  private static final Map<String, String> DOCUMENTS = Map.of(
      "/api", """
          {"kind":"APIVersions","versions":["v1"],
           "serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}""",
      "/apis", """
          {"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"discovery.k8s.io",
           "versions":[{"groupVersion":"discovery.k8s.io/v1","version":"v1"}],
           "preferredVersion":{"groupVersion":"discovery.k8s.io/v1","version":"v1"}}]}""",
      "/api/v1", "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
          + String.format(RESOURCE, "namespaces", "namespace", false, "Namespace", ",\"shortNames\":[\"ns\"]") + ","
          + String.format(RESOURCE, "nodes", "node", false, "Node", ",\"shortNames\":[\"no\"]") + ","
          + String.format(RESOURCE, "pods", "pod", true, "Pod", ",\"shortNames\":[\"po\"]") + ","
          + String.format(RESOURCE, "services", "service", true, "Service", ",\"shortNames\":[\"svc\"]") + "]}",
      "/apis/discovery.k8s.io/v1", "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\","
          + "\"groupVersion\":\"discovery.k8s.io/v1\",\"resources\":["
          + String.format(RESOURCE, "endpointslices", "endpointslice", true, "EndpointSlice", "") + "]}");

  private final KubernetesMixedDispatcher crud;

  DiscoveryDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
    this.crud = new KubernetesMixedDispatcher(responses);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String path = request.getPath() == null ? "" : request.getPath();
    int query = path.indexOf('?');
    String document = "GET".equals(request.getMethod())
        ? DOCUMENTS.get(query < 0 ? path : path.substring(0, query)) : null;
    if (document != null) {
      return json(new MockResponse().setResponseCode(200).setBody(document));
    }
    MockResponse response = crud.dispatch(request);
    return response.getWebSocketListener() == null ? json(response) : response;
  }

  private static MockResponse json(MockResponse response) {
    return response.header("Content-Type") == null ? response.setHeader("Content-Type", "application/json") : response;
  }

  @Override
  public void shutdown() {
    crud.shutdown();
  }

  @Override
  public void releaseResources() {
    crud.releaseResources();
  }
}
