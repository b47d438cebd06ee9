# Run a folder of Rails migrations with ActiveRecord, as `bin/rails db:migrate` would.
#   ruby activerecord_migrate.rb up   DIR            # every pending migration
#   ruby activerecord_migrate.rb down DIR VERSION    # back down to VERSION (0: all)
# The database comes from libpq's environment (PGHOST, PGPORT, PGUSER, PGDATABASE), or with
# MM_MYSQL_DATABASE set, from MariaDB on 127.0.0.1:3306 as root (the mysql2 adapter). MM_REQUIRE:
# a Ruby file loaded after ActiveRecord, as an application's gems are (a stand-in for one).
require "active_record"
require ENV["MM_REQUIRE"] if ENV["MM_REQUIRE"]

if ENV["MM_MYSQL_DATABASE"]
  ActiveRecord::Base.establish_connection(adapter: "mysql2", host: "127.0.0.1", port: 3306, username: "root",
                                          database: ENV.fetch("MM_MYSQL_DATABASE"))
else
  ActiveRecord::Base.establish_connection(adapter: "postgresql", database: ENV.fetch("PGDATABASE"))
end
ActiveRecord::Migration.verbose = false
context = ActiveRecord::MigrationContext.new(ARGV.fetch(1), ActiveRecord::SchemaMigration)
case ARGV.fetch(0)
when "up" then context.migrate
when "down" then context.migrate(Integer(ARGV.fetch(2), 10))
else abort "usage: up DIR | down DIR VERSION"
end
