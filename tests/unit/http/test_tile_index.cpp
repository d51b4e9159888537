// The tile snapshot: its box query against a brute-force filter, its tiles byte for byte
// against tiles encoded record by record from the store (the path tiles took before the
// snapshot), and the store's data version, which tells the tile server to read it again.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <protozero/pbf_reader.hpp>
#include <random>
#include <string>
#include <vector>

#include "http/tiles.hpp"
#include "store/registry.hpp"
#include "tiles/tile_index.hpp"
#include "unit/store/gpkg_fixture.hpp"

namespace minemap::testing_gpkg {
namespace {

using tiles::TileSnapshot;

// The reference: each record fetched by box from the store and added with its lon/lat
// geometry and its attributes, as TilesApi encoded tiles before the snapshot.
std::string encode_from_store(store::Registry& reg, const tiles::mvt::TileId& id,
                              tiles::mvt::LayerOptions lo) {
  const core::Envelope box = tiles::tile_query_box(id, lo);
  std::vector<tiles::mvt::Layer> layers;
  for (const auto& name : tiles::tile_layers()) {
    const core::EntitySpec& spec = core::spec_by_name(name);
    tiles::mvt::Layer layer(name, id, lo);
    store::ListQuery q;
    q.approved_only = true;
    q.bbox = box;
    reg.for_each(spec, q, [&](const core::Record& r) {
      if (tiles::mvt::too_small(r.geometry, id.z, lo.extent)) return;
      layer.add_feature(r.geometry, tiles::tile_attributes(spec, r), tiles::numeric_id(r.id));
    });
    if (!layer.empty()) layers.push_back(std::move(layer));
  }
  return tiles::mvt::encode(layers);
}

// Records of every entity (a third of them not approved), large areas and long lines
// across many tiles, a long text left out of tiles, a text equal to an id, and many item
// points.
void fill(store::Backend& b) {
  b.transaction([&] {
    for (int k = 1; k <= 30; ++k)
      for (const auto& spec : core::entities()) {
        Record r = make_record(spec, k);
        if (k % 3 == 0) r.workflow = "submitted";
        if (spec.name == std::string("hazards") && k % 5 == 1)
          r.geometry = core::Geometry::multipolygon({square(29.9 + 0.01 * k, 10.8, 0.6)});
        if (spec.name == std::string("roads") && k % 4 == 1)
          r.geometry.lines = {{{29.5, 10.5 + 0.02 * k}, {30.9, 11.2}, {31.4, 10.1 + 0.01 * k}}};
        for (const auto& f : spec.fields) {
          if (k == 7 && f.type == FieldType::Text && !f.personal)
            r.fields[std::string(f.name)] = std::string(300, 'x');
          // A value equal to another feature's id: that id is no longer unique.
          if (k == 11 && f.type == FieldType::Text && !f.personal)
            r.fields[std::string(f.name)] = test_id(spec, 2);
        }
        b.insert(spec, r);
      }
    const auto& items = core::spec_by_name("items");
    std::mt19937 rnd(5);
    std::uniform_real_distribution<double> dx(30.0, 30.6), dy(10.9, 11.4);
    for (int k = 31; k <= 900; ++k) {
      Record r = make_record(items, k);
      r.geometry = core::Geometry::point(dx(rnd), dy(rnd));
      b.insert(items, r);
    }
  });
}

class TileIndex : public GpkgTest {};

TEST_F(TileIndex, BoxQueryIsTheBruteForceFilter) {
  fill(open());
  store::Registry reg(std::move(m_store));
  const TileSnapshot snap = TileSnapshot::build(reg, reg.data_version());
  ASSERT_EQ(snap.layers().size(), tiles::tile_layers().size());
  std::mt19937 rnd(9);
  std::uniform_real_distribution<double> x(29.4, 31.6), y(10.0, 11.6), side(0.0, 0.8);
  std::vector<std::uint32_t> got, want;
  for (const auto& l : snap.layers()) {
    EXPECT_GT(l.size(), 0u) << l.name;
    for (int n = 0; n < 200; ++n) {
      core::Envelope q;
      q.min_x = x(rnd);
      q.min_y = y(rnd);
      q.max_x = q.min_x + side(rnd) * (n % 2 ? 1 : 0.05);
      q.max_y = q.min_y + side(rnd) * (n % 2 ? 1 : 0.05);
      if (n == 0) q = {-180, -90, 180, 90};
      l.query(q, got);
      want.clear();
      for (std::uint32_t i = 0; i < l.size(); ++i)
        if (l.box(i).intersects(q)) want.push_back(i);
      ASSERT_EQ(got, want) << l.name << " box " << n;
    }
  }
  // Only approved records: the items of 30 rounds, a third not approved, and 870 more.
  const auto& items = snap.layers()[7];
  ASSERT_EQ(items.name, "items");
  EXPECT_EQ(items.size(), 20u + 870u);
}

TEST_F(TileIndex, TilesAreThoseEncodedFromTheStore) {
  fill(open());
  store::Registry reg(std::move(m_store));
  const TileSnapshot snap = TileSnapshot::build(reg, reg.data_version());
  int non_empty = 0;
  for (tiles::mvt::LayerOptions lo :
       {tiles::mvt::LayerOptions{}, tiles::mvt::LayerOptions{512, 0}}) {
    for (int z = 0; z <= 14; ++z) {
      if (lo.buffer == 0 && z % 4 != 2) continue;  // a few zooms suffice for the other options
      // The tiles around the data's middle and around a corner of it.
      for (core::Coord c : {core::Coord{30.3, 11.1}, core::Coord{29.9, 10.8}}) {
        const core::Coord m = tiles::mvt::lonlat_to_mercator(c);
        const double size = 2 * tiles::mvt::kWorldHalf / static_cast<double>(1u << z);
        const auto cx = static_cast<std::int64_t>((m.x + tiles::mvt::kWorldHalf) / size);
        const auto cy = static_cast<std::int64_t>((tiles::mvt::kWorldHalf - m.y) / size);
        for (std::int64_t ty = cy - 1; ty <= cy + 1; ++ty)
          for (std::int64_t tx = cx - 1; tx <= cx + 1; ++tx) {
            if ((tx + ty) % 2 != (cx + cy) % 2) continue;  // a checkerboard: 5 of 9
            if (tx < 0 || ty < 0 || tx >= (1 << z) || ty >= (1 << z)) continue;
            const auto id = tiles::mvt::tile_id(z, tx, ty);
            const std::string want = encode_from_store(reg, id, lo);
            ASSERT_EQ(snap.encode_tile(id, lo), want) << z << "/" << tx << "/" << ty;
            non_empty += !want.empty();
          }
      }
    }
  }
  EXPECT_GT(non_empty, 60);
}

// One feature of a decoded tile: its first position (tile units), its point_count (1
// when it has none) and whether it has the attribute `id`.
struct Decoded {
  std::string layer;
  std::int64_t x = 0, y = 0;
  std::int64_t count = 1;
  bool cluster = false, has_id = false;
  int type = 0;
};

std::vector<Decoded> decode(const std::string& tile) {
  std::vector<Decoded> out;
  protozero::pbf_reader t(tile);
  while (t.next(3)) {  // layers
    protozero::pbf_reader l = t.get_message();
    std::string name;
    std::vector<std::string> keys;
    std::vector<std::int64_t> ints;  // per value: its integer, or -1
    std::vector<std::pair<std::string, std::vector<std::uint32_t>>> raw;
    std::vector<std::pair<int, std::vector<std::uint32_t>>> geometry;
    while (l.next()) {
      switch (l.tag()) {
        case 1: name = l.get_string(); break;
        case 2: {
          protozero::pbf_reader f = l.get_message();
          std::vector<std::uint32_t> tags, geom;
          int type = 0;
          while (f.next()) {
            if (f.tag() == 2) {
              auto r = f.get_packed_uint32();
              tags.assign(r.begin(), r.end());
            } else if (f.tag() == 3) {
              type = static_cast<int>(f.get_enum());
            } else if (f.tag() == 4) {
              auto r = f.get_packed_uint32();
              geom.assign(r.begin(), r.end());
            } else {
              f.skip();
            }
          }
          raw.emplace_back("", tags);
          geometry.emplace_back(type, geom);
          break;
        }
        case 3: keys.push_back(l.get_string()); break;
        case 4: {
          protozero::pbf_reader v = l.get_message();
          std::int64_t n = -1;
          while (v.next()) {
            if (v.tag() == 5)
              n = static_cast<std::int64_t>(v.get_uint64());
            else if (v.tag() == 6)
              n = v.get_sint64();
            else
              v.skip();
          }
          ints.push_back(n);
          break;
        }
        default: l.skip();
      }
    }
    for (std::size_t i = 0; i < raw.size(); ++i) {
      Decoded d;
      d.layer = name;
      d.type = geometry[i].first;
      const auto& g = geometry[i].second;
      auto unzig = [](std::uint32_t v) {
        return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
      };
      if (g.size() >= 3) {
        d.x = unzig(g[1]);
        d.y = unzig(g[2]);
      }
      const auto& tags = raw[i].second;
      for (std::size_t k = 0; k + 1 < tags.size(); k += 2) {
        if (keys[tags[k]] == "point_count") {
          d.count = ints[tags[k + 1]];
          d.cluster = true;
        }
        if (keys[tags[k]] == "id") d.has_id = true;
      }
      out.push_back(d);
    }
  }
  return out;
}

TEST_F(TileIndex, DenseTilesAreGeneralisedWithinTheLimitsAndKeepTheirCounts) {
  // 6,000 items in clusters of a few kilometres, and 300 small hazards among them.
  auto& b = open();
  const auto& items = core::spec_by_name("items");
  const auto& hazards = core::spec_by_name("hazards");
  std::mt19937 rnd(3);
  std::normal_distribution<double> spread(0, 0.02);
  std::uniform_int_distribution<int> centre(0, 19);
  b.transaction([&] {
    for (const auto& spec : core::entities()) b.insert(spec, make_record(spec, 1));
    for (int k = 2; k <= 6000; ++k) {
      Record r = make_record(items, k);
      const int c = centre(rnd);
      r.geometry = core::Geometry::point(30 + 0.05 * (c % 5) + spread(rnd),
                                         11 + 0.05 * (c / 5) + spread(rnd));
      b.insert(items, r);
    }
    for (int k = 2; k <= 300; ++k) {
      Record r = make_record(hazards, k);
      r.geometry = core::Geometry::multipolygon(
          {square(30 + 0.25 * (k % 17) / 17, 10.5 + 0.2 * (k % 13) / 13, 0.002)});
      b.insert(hazards, r);
    }
  });
  store::Registry reg(std::move(m_store));
  const TileSnapshot snap = TileSnapshot::build(reg, reg.data_version());
  const auto& item_layer = snap.layers()[7];
  ASSERT_EQ(item_layer.name, "items");
  const tiles::TileLimits limits{30000, 1500};
  int generalised = 0, exact = 0;
  for (int z = 0; z <= 16; ++z) {
    const core::Coord m = tiles::mvt::lonlat_to_mercator({30.1, 11.1});
    const double size = 2 * tiles::mvt::kWorldHalf / static_cast<double>(1u << z);
    const auto id =
        tiles::mvt::tile_id(z, static_cast<std::int64_t>((m.x + tiles::mvt::kWorldHalf) / size),
                            static_cast<std::int64_t>((tiles::mvt::kWorldHalf - m.y) / size));
    const auto e = snap.encode_tile_levelled(id, {}, limits);
    EXPECT_LE(e.bytes.size(), limits.max_bytes) << "z" << z;
    const auto features = decode(e.bytes);
    EXPECT_LE(features.size(), limits.max_features) << "z" << z;
    // The items over the tile, by their rounded position, against the counts drawn.
    const tiles::mvt::TileTransform tt(id);
    std::int64_t want = 0;
    for (std::size_t i = 0; i < item_layer.size(); ++i) {
      const auto p = tt.quantise(item_layer.points[item_layer.geom[i]]);
      want += p.x >= 0 && p.x < 4096 && p.y >= 0 && p.y < 4096;
    }
    std::int64_t got = 0, clusters = 0;
    for (const auto& f : features) {
      if (f.layer != "items" || f.x < 0 || f.x >= 4096 || f.y < 0 || f.y >= 4096) continue;
      got += f.count;
      clusters += f.cluster;
      if (!f.cluster) {
        EXPECT_TRUE(f.has_id) << "z" << z;  // a point kept keeps its id
      }
    }
    EXPECT_NEAR(static_cast<double>(got), static_cast<double>(want), 0.01 * want + 1) << "z" << z;
    if (e.level > 0) {
      // Attributes reduced first; points gathered where that is not enough.
      generalised += clusters > 0;
    } else {
      ++exact;
      EXPECT_EQ(clusters, 0) << "z" << z;
      EXPECT_EQ(e.bytes, snap.encode_tile(id, {})) << "z" << z;  // as with no limit in reach
    }
    // The same tile again: the same bytes (from the snapshot's keeping of it), and drawn
    // afresh once the kept tiles are let go (as a server does before a rebuild).
    EXPECT_EQ(snap.encode_tile_levelled(id, {}, limits).bytes, e.bytes);
    snap.forget_kept_tiles();
    EXPECT_EQ(snap.encode_tile_levelled(id, {}, limits).bytes, e.bytes);
  }
  EXPECT_GE(generalised, 8);  // the low zooms, with clusters
  EXPECT_GE(exact, 3);        // the high ones, where the tile holds little
  // A tile whose hazards are under a cell counts them: every hazard over a z8 tile is
  // drawn or in a cluster's point_count.
  const auto id = tiles::mvt::tile_id(8, 149, 120);
  std::int64_t hazards_drawn = 0;
  for (const auto& f : decode(snap.encode_tile(id, {}, {2000, 100})))
    if (f.layer == "hazards") hazards_drawn += f.count;
  EXPECT_EQ(hazards_drawn, 300);
}

TEST_F(TileIndex, DataVersionChangesAfterWritesOfThisAndOtherConnections) {
  open();
  store::Registry reg(std::move(m_store));
  const auto& it = core::spec(core::Entity::Item);
  Record item;
  item.workflow = "approved";
  item.fields["category"] = std::string("AP_MINE");
  item.geometry = core::Geometry::point(30.1, 10.1);
  store::Actor who;

  const std::int64_t v0 = reg.data_version();
  EXPECT_EQ(reg.data_version(), v0);  // reading changes nothing
  (void)reg.list(it);
  EXPECT_EQ(reg.data_version(), v0);
  const std::string id = reg.add(it, item, who).id;
  const std::int64_t v1 = reg.data_version();
  EXPECT_NE(v1, v0);

  // A failed transaction commits nothing.
  EXPECT_THROW(reg.transaction([&] {
    reg.add(it, item, who);
    throw std::runtime_error("undone");
  }),
               std::runtime_error);
  EXPECT_EQ(reg.data_version(), v1);

  // Another connection to the same file (another process's import, say).
  store::Registry other = store::Registry::open(m_path, false);
  const std::int64_t o1 = other.data_version();
  other.add(it, item, who);
  const std::int64_t v2 = reg.data_version();
  EXPECT_NE(v2, v1);
  EXPECT_NE(other.data_version(), o1);
  EXPECT_EQ(reg.data_version(), v2);
  reg.remove(it, id, "entered twice", who);
  EXPECT_NE(reg.data_version(), v2);
  EXPECT_NE(other.data_version(), o1);
}

TEST_F(TileIndex, TilesFollowApprovalsAndOtherProcesses) {
  open();
  store::Registry reg(std::move(m_store));
  std::mutex store_mutex;
  http::TilesApi tiles(reg, store_mutex);
  const auto& it = core::spec(core::Entity::Item);
  Record item;
  item.workflow = "submitted";
  item.fields["category"] = std::string("AP_MINE");
  item.geometry = core::Geometry::point(30.1, 10.1);
  store::Actor who;
  const std::string id = reg.add(it, item, who).id;

  // z 10 tile over (30.1, 10.1).
  const std::uint32_t x = 597, y = 483;
  EXPECT_EQ(tiles.encode_tile(10, x, y), "");
  const auto first = tiles.snapshot();
  EXPECT_EQ(tiles.snapshot(), first);  // no write: the same snapshot

  reg.transition(it, id, store::Step::Approve, "", store::Actor{"verifier2", "verifier"});
  const std::string one = tiles.encode_tile(10, x, y);
  EXPECT_NE(one, "");
  EXPECT_NE(tiles.snapshot(), first);
  EXPECT_EQ(one, encode_from_store(reg, tiles::mvt::tile_id(10, x, y), {}));

  store::Registry other = store::Registry::open(m_path, false);
  item.workflow = "approved";
  item.geometry = core::Geometry::point(30.12, 10.11);
  other.add(it, item, who);
  const std::string two = tiles.encode_tile(10, x, y);
  EXPECT_GT(two.size(), one.size());
  EXPECT_EQ(two, encode_from_store(reg, tiles::mvt::tile_id(10, x, y), {}));
}

}  // namespace
}  // namespace minemap::testing_gpkg
