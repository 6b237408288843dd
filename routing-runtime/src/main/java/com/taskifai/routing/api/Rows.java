package com.taskifai.routing.api;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Map;
import org.springframework.jdbc.core.ColumnMapRowMapper;
import org.springframework.jdbc.core.RowMapper;

/** Rows as JSON-ready maps: dates as ISO dates, timestamps as instants. */
final class Rows {
  static final RowMapper<Map<String, Object>> MAPPER =
      new ColumnMapRowMapper() {
        @Override
        protected Object getColumnValue(ResultSet rs, int index) throws SQLException {
          Object v = rs.getObject(index);
          if (v instanceof java.sql.Date d) {
            return d.toLocalDate();
          }
          if (v instanceof Timestamp t) {
            return t.toInstant();
          }
          return v;
        }
      };

  private Rows() {}
}
