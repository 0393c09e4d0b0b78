"""Names in pinyin order and found by their pinyin: the stored keys (personnel.pinyin) and the migration
that recomputed the keys of everyone already on the register."""
import sqlalchemy as sa

from examsys.db_cli import upgrade
from examsys.personnel import pinyin


def test_names_sort_syllable_by_syllable_with_surname_readings_and_rare_characters():
    names = ["章一", "䶮军", "曾国藩", "单雄信", "邓二", "张三丰", "蔡五", "张三", "岑六", "alice", "Bob", "吕布", "卢六", "张"]
    assert sorted(names, key=pinyin.sort_key) == ["alice", "Bob", "蔡五", "岑六", "邓二", "卢六", "吕布", "单雄信", "䶮军", "曾国藩",
                                                  "张", "张三", "张三丰", "章一"]
    assert pinyin.sort_key("单") < pinyin.sort_key("邓")  # alone, 单 is no surname: dān


def test_the_search_text_is_the_full_pinyin_and_the_initials():
    assert pinyin.search_text("张三") == "zhangsan zs"
    assert pinyin.search_text("单雄信") == "shanxiongxin sxx"
    assert pinyin.search_text("尉迟恭") == "yuchigong ycg"
    assert pinyin.search_text("张长江") == "zhangchangjiang zcj"  # 长 read in its word (长江 cháng), not alone (zhǎng)
    assert pinyin.search_text("阿依古丽·买买提") == "ayigulimaimaiti ayglmmt"  # the middle dot is no letter
    assert pinyin.as_pinyin_query(" Zhang San ") == "zhangsan" and pinyin.as_pinyin_query("张三") is None
    assert pinyin.as_pinyin_query("15010") is None and pinyin.as_pinyin_query("%") is None


def test_the_migration_recomputes_the_keys_of_people_already_there(tmp_path):
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    upgrade(url, "8a4bcf8d12ae")  # the keys were GB18030 bytes then
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO organisation (id, kind, code, name, division_code, path, active, created_at) "
                             "VALUES (1, 'region', '150000', '内蒙古自治区', '150000', '/1/', 1, '2026-01-01 00:00:00')"))
        for number, name in enumerate(["张三", "䶮军", "单雄信"], start=1):
            conn.execute(sa.text("INSERT INTO person (id, id_number, name, name_key, sex, org_id, kind, staffing_kind, employment_status, "
                                 "post, rank, created_at) VALUES (:id, :idn, :name, :key, 'M', 1, 'officer', 'civil_servant', "
                                 "'employed', '', '', '2026-01-01 00:00:00')"),
                         {"id": number, "idn": f"15010219800101000{number}", "name": name, "key": name.encode("gb18030")})
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, name_key, name_pinyin FROM person ORDER BY name_key")).all()
    engine.dispose()
    assert [(name, bytes(key), letters) for name, key, letters in rows] == [
        ("单雄信", pinyin.sort_key("单雄信"), "shanxiongxin sxx"), ("䶮军", pinyin.sort_key("䶮军"), "yanjun yj"),
        ("张三", pinyin.sort_key("张三"), "zhangsan zs")]
