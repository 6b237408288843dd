package com.taskifai.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;

/** api/README.md's endpoint table names every endpoint of the controllers, method and path. */
class ApiReadmeTest {

  @Test
  void theReadmeTableNamesEveryEndpoint() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    List<String> missing = new ArrayList<>();
    for (String endpoint : endpoints()) {
      // The endpoint, then the end of the path: a backtick, a query, a body or a separator.
      Pattern row = Pattern.compile(Pattern.quote(endpoint) + "(?=[`?\\s,;\\[{])");
      if (!row.matcher(readme).find()) {
        missing.add(endpoint);
      }
    }
    assertThat(endpoints()).hasSizeGreaterThan(40);
    assertThat(missing).as("endpoints missing from api/README.md's table").isEmpty();
  }

  /** "METHOD /path" of every handler method of the api module's controllers. */
  private static List<String> endpoints() throws ClassNotFoundException, IOException {
    ClassPathScanningCandidateComponentProvider scan =
        new ClassPathScanningCandidateComponentProvider(false);
    scan.addIncludeFilter(new AnnotationTypeFilter(Controller.class));
    List<String> out = new ArrayList<>();
    for (BeanDefinition found : scan.findCandidateComponents("com.taskifai.api")) {
      Class<?> type = Class.forName(found.getBeanClassName());
      RequestMapping base = AnnotatedElementUtils.findMergedAnnotation(type, RequestMapping.class);
      String prefix = base == null || base.path().length == 0 ? "" : base.path()[0];
      for (Method m : type.getDeclaredMethods()) {
        RequestMapping mapping =
            AnnotatedElementUtils.findMergedAnnotation(m, RequestMapping.class);
        if (mapping == null) {
          continue;
        }
        String[] paths = mapping.path().length == 0 ? new String[] {""} : mapping.path();
        for (RequestMethod method : mapping.method()) {
          for (String path : paths) {
            out.add(method.name() + " " + prefix + path);
          }
        }
      }
    }
    return out;
  }
}
