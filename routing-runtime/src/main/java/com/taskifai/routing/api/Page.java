package com.taskifai.routing.api;

import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A page of results with what it takes to ask for the next one. */
record Page<T>(List<T> items, int limit, int offset, long total) {
  static final int MAX_LIMIT = 500;

  static int limit(Integer limit) {
    if (limit == null) {
      return 50;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiException.badRequest("limit must be between 1 and " + MAX_LIMIT);
    }
    return limit;
  }

  static int offset(Integer offset) {
    if (offset == null) {
      return 0;
    }
    if (offset < 0) {
      throw ApiException.badRequest("offset must be 0 or more");
    }
    return offset;
  }

  /**
   * A page of a whole table in a fixed order, each row read by {@code rows} into a record; row
   * level security still decides which rows the caller sees. The SQL pieces are constants of the
   * caller, never request input.
   */
  static <T> Page<T> ofTable(
      JdbcClient jdbc,
      String columns,
      String table,
      String orderBy,
      int limit,
      int offset,
      org.springframework.jdbc.core.RowMapper<T> rows) {
    return new Page<>(
        jdbc.sql(
                "SELECT "
                    + columns
                    + " FROM "
                    + table
                    + " ORDER BY "
                    + orderBy
                    + " LIMIT ? OFFSET ?")
            .params(limit, offset)
            .query(rows)
            .list(),
        limit,
        offset,
        jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single());
  }
}
