"""What the demo subjects are made of: the word lists, weights and shares
the generator (`generator`) draws from, and the mainland places (provinces
and cities from the registry's region data). Data and small pure helpers;
nothing here draws a random number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "registry" / "data"
NON_MAINLAND = frozenset({"71", "81", "82"})  # 台湾, 香港, 澳门

KIND_SHARES = (
    ("organisation", 0.75),
    ("individual", 0.15),
    ("platform", 0.05),
    ("community_manager", 0.05),
)

# --- regions ----------------------------------------------------------------

# Relative weight of each mainland province (roughly: registered online
# merchants), so the populous / e-commerce provinces dominate.
PROVINCE_WEIGHTS = {
    "44": 14, "33": 12, "32": 10, "31": 7, "11": 7, "37": 7, "35": 5, "51": 4.5,
    "41": 4.5, "42": 3.5, "43": 3, "34": 3, "13": 3, "50": 2.2, "12": 2, "36": 2,
    "45": 2, "61": 2, "21": 2, "53": 1.6, "14": 1.2, "52": 1.2, "23": 1.2, "22": 1,
    "15": 0.9, "65": 0.9, "62": 0.8, "46": 0.8, "64": 0.4, "63": 0.35, "54": 0.3,
}
# Cities other than the provincial capital (which gets 4) that weigh more than 1.
CITY_WEIGHTS = {
    "深圳市": 5, "苏州市": 3.5, "金华市": 3, "宁波市": 2.5, "东莞市": 2.5, "青岛市": 2.5,
    "温州市": 2, "佛山市": 2, "厦门市": 2, "泉州市": 2, "无锡市": 2, "大连市": 2,
    "临沂市": 1.8, "台州市": 1.5, "嘉兴市": 1.5, "绍兴市": 1.5, "汕头市": 1.5,
    "宿迁市": 1.3, "中山市": 1.3, "南通市": 1.3, "常州市": 1.3, "徐州市": 1.3,
    "潍坊市": 1.3, "烟台市": 1.3, "揭阳市": 1.2, "洛阳市": 1.2, "珠海市": 1.2,
    "湖州市": 1.2, "三沙市": 0.05,
}
SHORT_CITY = {
    "黔西南布依族苗族自治州": "黔西南", "黔东南苗族侗族自治州": "黔东南",
    "西双版纳傣族自治州": "西双版纳", "博尔塔拉蒙古自治州": "博尔塔拉",
    "巴音郭楞蒙古自治州": "巴音郭楞", "克孜勒苏柯尔克孜自治州": "克孜勒苏",
}
# Business zones written after the city in company names (深圳市前海…).
ZONES = {
    "深圳市": ["前海", "南山", "福田", "龙华"], "上海市": ["浦东", "张江", "临港", "虹桥"],
    "北京市": ["中关村", "亦庄"], "广州市": ["南沙", "天河", "番禺"],
    "杭州市": ["滨江", "余杭", "萧山"], "天津市": ["滨海"], "重庆市": ["两江"],
    "成都市": ["天府"], "武汉市": ["光谷"], "西安市": ["高新"], "苏州市": ["工业园区"],
}
# County-level cities, used as the place in small shops' names (义乌市…).
COUNTY_CITIES = {
    "金华市": ["义乌", "永康", "东阳", "兰溪"], "苏州市": ["昆山", "常熟", "张家港", "太仓"],
    "泉州市": ["晋江", "石狮", "南安"], "温州市": ["瑞安", "乐清"], "无锡市": ["江阴", "宜兴"],
    "嘉兴市": ["桐乡", "海宁"], "台州市": ["温岭", "临海"], "潍坊市": ["寿光", "青州", "诸城"],
    "烟台市": ["龙口", "莱阳"], "青岛市": ["胶州", "平度"], "宁波市": ["余姚", "慈溪"],
    "绍兴市": ["诸暨", "嵊州"], "南通市": ["启东", "海安"], "揭阳市": ["普宁"],
    "长沙市": ["浏阳", "宁乡"], "成都市": ["都江堰", "彭州", "简阳"], "郑州市": ["新郑", "巩义"],
    "保定市": ["涿州", "高碑店"], "福州市": ["福清"], "昆明市": ["安宁"],
}
DISTRICTS = {
    "北京市": "朝阳区 海淀区 东城区 西城区 丰台区 大兴区 通州区 顺义区 昌平区 石景山区",
    "上海市": "浦东新区 黄浦区 徐汇区 长宁区 静安区 普陀区 虹口区 杨浦区 闵行区 宝山区 嘉定区 松江区 青浦区",
    "天津市": "和平区 河西区 南开区 河东区 滨海新区 西青区 东丽区 武清区",
    "重庆市": "渝中区 江北区 南岸区 九龙坡区 沙坪坝区 渝北区 巴南区",
    "广州市": "天河区 越秀区 海珠区 荔湾区 白云区 番禺区 黄埔区 南沙区 花都区",
    "深圳市": "南山区 福田区 罗湖区 宝安区 龙岗区 龙华区 光明区 坪山区",
    "杭州市": "西湖区 上城区 拱墅区 滨江区 余杭区 萧山区 临平区 钱塘区",
    "宁波市": "海曙区 江北区 鄞州区 北仑区 镇海区",
    "温州市": "鹿城区 龙湾区 瓯海区",
    "金华市": "婺城区 金东区",
    "南京市": "玄武区 秦淮区 建邺区 鼓楼区 栖霞区 雨花台区 江宁区 浦口区",
    "苏州市": "姑苏区 虎丘区 吴中区 相城区 吴江区",
    "无锡市": "梁溪区 滨湖区 新吴区 锡山区 惠山区",
    "成都市": "锦江区 青羊区 金牛区 武侯区 成华区 双流区 郫都区 新都区 温江区 龙泉驿区",
    "武汉市": "江岸区 江汉区 硚口区 汉阳区 武昌区 洪山区 青山区 东西湖区",
    "西安市": "碑林区 雁塔区 新城区 莲湖区 未央区 灞桥区 长安区",
    "长沙市": "芙蓉区 天心区 岳麓区 开福区 雨花区 望城区",
    "郑州市": "金水区 中原区 二七区 管城回族区 惠济区",
    "济南市": "历下区 市中区 槐荫区 天桥区 历城区",
    "青岛市": "市南区 市北区 李沧区 崂山区 黄岛区 城阳区 即墨区",
    "合肥市": "蜀山区 包河区 庐阳区 瑶海区",
    "福州市": "鼓楼区 台江区 仓山区 晋安区 马尾区",
    "厦门市": "思明区 湖里区 集美区 海沧区 同安区 翔安区",
    "泉州市": "鲤城区 丰泽区 洛江区 泉港区",
    "东莞市": "南城街道 东城街道 莞城街道 长安镇 虎门镇 松山湖",
    "佛山市": "禅城区 南海区 顺德区 三水区 高明区",
    "中山市": "石岐街道 东区街道 火炬开发区 小榄镇",
    "珠海市": "香洲区 斗门区 金湾区",
    "汕头市": "金平区 龙湖区 澄海区 潮阳区",
    "沈阳市": "和平区 沈河区 皇姑区 铁西区 浑南区",
    "大连市": "中山区 西岗区 沙河口区 甘井子区",
    "哈尔滨市": "道里区 南岗区 道外区 香坊区",
    "长春市": "南关区 朝阳区 宽城区 绿园区",
    "石家庄市": "长安区 桥西区 新华区 裕华区",
    "太原市": "小店区 迎泽区 杏花岭区 万柏林区",
    "昆明市": "五华区 盘龙区 官渡区 西山区",
    "南宁市": "青秀区 兴宁区 江南区 西乡塘区",
    "南昌市": "东湖区 西湖区 青山湖区 红谷滩区",
    "贵阳市": "南明区 云岩区 观山湖区 花溪区",
    "海口市": "龙华区 美兰区 秀英区 琼山区",
    "兰州市": "城关区 七里河区 安宁区",
    "乌鲁木齐市": "天山区 沙依巴克区 新市区 水磨沟区",
    "呼和浩特市": "新城区 回民区 赛罕区 玉泉区",
    "银川市": "兴庆区 金凤区 西夏区",
    "西宁市": "城东区 城中区 城西区 城北区",
    "拉萨市": "城关区 堆龙德庆区 达孜区",
    "临沂市": "兰山区 罗庄区 河东区",
}
GENERIC_DISTRICTS = ("", "", "", "高新区", "高新区", "经济技术开发区")
ROADS = (
    "人民路 解放路 中山路 建设路 新华路 和平路 文化路 长江路 黄河路 滨江大道 世纪大道 科技路 "
    "创业路 高新大道 学府路 商业街 工业大道 东风路 胜利路 青年路 朝阳路 光明路 府前路 迎宾大道 "
    "振兴路 发展大道 幸福路 健康路 民主路 团结路 北京路 上海路 南京路 花园路 公园路 体育路 "
    "友谊路 环城路 站前路 五一路 八一路 延安路 曙光路 育才路 银河路 星光大道 创新大道 软件园路"
).split()

# --- people -----------------------------------------------------------------

# Common family names, most frequent first, with pinyin.
FAMILY_NAMES = [
    tuple(p.split(":")) for p in (
        "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu "
        "孙:sun 马:ma 朱:zhu 胡:hu 郭:guo 何:he 林:lin 高:gao 罗:luo 郑:zheng 梁:liang 谢:xie "
        "宋:song 唐:tang 许:xu 韩:han 冯:feng 邓:deng 曹:cao 彭:peng 曾:zeng 肖:xiao 田:tian "
        "董:dong 潘:pan 袁:yuan 蔡:cai 蒋:jiang 余:yu 于:yu 杜:du 叶:ye 程:cheng 魏:wei 苏:su "
        "吕:lv 丁:ding 任:ren 卢:lu 姚:yao 沈:shen 钟:zhong 姜:jiang 崔:cui 谭:tan 陆:lu 范:fan "
        "汪:wang 廖:liao 石:shi 金:jin 韦:wei 贾:jia 夏:xia 付:fu 方:fang 邹:zou 熊:xiong 白:bai "
        "孟:meng 秦:qin 邱:qiu 侯:hou 江:jiang 尹:yin 薛:xue 闫:yan 段:duan 雷:lei 龙:long "
        "黎:li 史:shi 陶:tao 贺:he 毛:mao 郝:hao 顾:gu 龚:gong 邵:shao 万:wan 覃:qin 武:wu "
        "钱:qian 戴:dai 严:yan 欧阳:ouyang"
    ).split()
]
# Given names: a single character, or a first plus a second character.
GIVEN = {
    ("m", 1): "伟:wei 强:qiang 磊:lei 军:jun 勇:yong 杰:jie 涛:tao 斌:bin 超:chao 明:ming 刚:gang "
              "平:ping 辉:hui 鹏:peng 华:hua 飞:fei 鑫:xin 波:bo 宇:yu 浩:hao 凯:kai 健:jian "
              "俊:jun 帆:fan 帅:shuai 旭:xu 宁:ning 龙:long 林:lin 峰:feng 亮:liang 晨:chen "
              "博:bo 睿:rui 航:hang 毅:yi 彬:bin",
    ("m", 0): "建:jian 志:zhi 国:guo 永:yong 海:hai 晓:xiao 文:wen 俊:jun 子:zi 浩:hao 宇:yu "
              "嘉:jia 一:yi 天:tian 明:ming 立:li 德:de 振:zhen 家:jia 思:si 少:shao 忠:zhong",
    ("m", 2): "伟:wei 强:qiang 磊:lei 军:jun 勇:yong 杰:jie 涛:tao 斌:bin 超:chao 明:ming 刚:gang "
              "平:ping 辉:hui 鹏:peng 华:hua 飞:fei 鑫:xin 波:bo 宇:yu 浩:hao 凯:kai 健:jian "
              "峰:feng 东:dong 亮:liang 成:cheng 轩:xuan 博:bo 泽:ze 睿:rui 航:hang 林:lin "
              "龙:long 新:xin 阳:yang 民:min",
    ("f", 1): "芳:fang 娜:na 敏:min 静:jing 丽:li 艳:yan 娟:juan 霞:xia 英:ying 慧:hui 婷:ting "
              "雪:xue 琳:lin 晶:jing 洁:jie 玲:ling 燕:yan 倩:qian 颖:ying 萍:ping 红:hong 梅:mei "
              "兰:lan 佳:jia 欣:xin 怡:yi 悦:yue 琪:qi 瑶:yao 蕾:lei 薇:wei 莉:li 彤:tong 璐:lu 丹:dan",
    ("f", 0): "秀:xiu 丽:li 晓:xiao 小:xiao 雅:ya 佳:jia 欣:xin 思:si 诗:shi 梦:meng 雨:yu "
              "婉:wan 美:mei 海:hai 春:chun 玉:yu 慧:hui 静:jing 紫:zi 子:zi 若:ruo 心:xin",
    ("f", 2): "芳:fang 娜:na 敏:min 静:jing 丽:li 艳:yan 娟:juan 霞:xia 英:ying 慧:hui 婷:ting "
              "雪:xue 琳:lin 晶:jing 洁:jie 玲:ling 燕:yan 倩:qian 颖:ying 萍:ping 红:hong 梅:mei "
              "兰:lan 怡:yi 悦:yue 涵:han 琪:qi 瑶:yao 蕾:lei 薇:wei 莉:li 月:yue 彤:tong 璐:lu "
              "丹:dan 然:ran 琴:qin",
}
GIVEN_PARTS = {key: [tuple(p.split(":")) for p in value.split()] for key, value in GIVEN.items()}
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "173 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 196 198 199"
).split()

# --- names ------------------------------------------------------------------

BRANDS = [
    tuple(p.split(":")) for p in (
        "云杉:yunshan 星河:xinghe 博远:boyuan 恒信:hengxin 嘉禾:jiahe 鼎盛:dingsheng "
        "华创:huachuang 汇通:huitong 启明:qiming 睿思:ruisi 聚源:juyuan 锦程:jincheng "
        "天辰:tianchen 海纳:haina 德润:derun 宏图:hongtu 安迅:anxun 青禾:qinghe 拾光:shiguang "
        "禾丰:hefeng 知行:zhixing 远景:yuanjing 卓越:zhuoyue 万象:wanxiang 领航:linghang "
        "创想:chuangxiang 新锐:xinrui 智联:zhilian 鑫源:xinyuan 永盛:yongsheng 隆兴:longxing "
        "金桥:jinqiao 银河:yinhe 蓝海:lanhai 绿源:lvyuan 橙果:chengguo 麦田:maitian "
        "稻香:daoxiang 竹语:zhuyu 木棉:mumian 梧桐:wutong 雪松:xuesong 松果:songguo "
        "柠檬:ningmeng 蜜桃:mitao 小鹿:xiaolu 飞鱼:feiyu 熊猫:xiongmao 喜鹊:xique 百灵:bailing "
        "云朵:yunduo 晨光:chenguang 朝阳:zhaoyang 东升:dongsheng 南风:nanfeng 北辰:beichen "
        "西岭:xiling 九州:jiuzhou 四海:sihai 八方:bafang 千禧:qianxi 万家:wanjia 百味:baiwei "
        "一品:yipin 尚品:shangpin 优品:youpin 臻选:zhenxuan 甄选:zhenxuan 好物:haowu "
        "良品:liangpin 美家:meijia 乐享:lexiang 悦购:yuegou 易达:yida 速通:sutong 快马:kuaima "
        "顺景:shunjing 和畅:hechang 同创:tongchuang 众合:zhonghe 协力:xieli 联创:lianchuang "
        "共赢:gongying 合众:hezhong 凯瑞:kairui 迈拓:maituo 诺德:nuode 普惠:puhui 瑞丰:ruifeng "
        "泰和:taihe 康宁:kangning 安康:ankang 福瑞:furui 吉祥:jixiang 如意:ruyi 祥云:xiangyun "
        "瑞雪:ruixue 春晓:chunxiao 夏至:xiazhi 秋实:qiushi 冬青:dongqing 朗途:langtu "
        "优选:youxuan 前程:qiancheng 鸿运:hongyun 金穗:jinsui 丰泽:fengze 润禾:runhe "
        "清泉:qingquan 山海:shanhai 星辰:xingchen 光年:guangnian 极客:jike 匠心:jiangxin "
        "初心:chuxin 本味:benwei 鲜丰:xianfeng 果园:guoyuan 田园:tianyuan 渔歌:yuge 茶语:chayu "
        "香满园:xiangmanyuan 金玉:jinyu 宝丽:baoli 佳美:jiamei 亿家:yijia 千帆:qianfan "
        "扬帆:yangfan 远航:yuanhang 腾达:tengda 飞腾:feiteng 鹏程:pengcheng 凌云:lingyun "
        "云帆:yunfan 云端:yunduan 数智:shuzhi 慧通:huitong 聚力:juli 博纳:bona 华信:huaxin "
        "新禾:xinhe 伟业:weiye 兴邦:xingbang 安居:anju 优家:youjia 好邻居:haolinju 邻里:linli "
        "每日:meiri 鲜享:xianxiang 小确幸:xiaoquexing 青柠:qingning 蓝莓:lanmei 椰林:yelin "
        "橡树:xiangshu 银杏:yinxing 紫荆:zijing 玉兰:yulan 海棠:haitang 芙蓉:furong "
        "丁香:dingxiang 向阳:xiangyang 星火:xinghuo 曙光:shuguang 明德:mingde 厚德:houde "
        "致远:zhiyuan 天行:tianxing 长风:changfeng 锦绣:jinxiu 华彩:huacai 墨香:moxiang "
        "书香:shuxiang 匠人:jiangren 巧手:qiaoshou 恒丰:hengfeng 富源:fuyuan 华茂:huamao"
    ).split()
]
# Small shops' brand words.
SHOP_BRANDS = [
    tuple(p.split(":")) for p in (
        "小满:xiaoman 好运来:haoyunlai 鑫鑫:xinxin 阿强:aqiang 乐购:legou "
        "佳佳:jiajia 福满多:fumanduo 顺心:shunxin 开心:kaixin 美美:meimei 小鱼:xiaoyu "
        "大福:dafu 金玉:jinyu 如意:ruyi 吉祥:jixiang 天天:tiantian 邻家:linjia 街角:jiejiao "
        "巷口:xiangkou 老街:laojie 小林:xiaolin 阿芳:afang 甜心:tianxin 果然:guoran "
        "鲜果:xianguo 晨曦:chenxi 六六:liuliu 喜乐:xile 乐乐:lele 丰收:fengshou 百顺:baishun "
        "家和:jiahe 和兴:hexing 兴隆:xinglong 宏发:hongfa 永兴:yongxing 恒通:hengtong "
        "诚信:chengxin 阿珍:azhen 二姐:erjie 三哥:sange 东东:dongdong 麦香:maixiang "
        "稻花:daohua 湘味:xiangwei 川香:chuanxiang 好日子:haorizi 满天星:mantianxing "
        "暖阳:nuanyang 小橘:xiaoju 阿福:afu 旺财:wangcai 好再来:haozailai"
    ).split()
]
EN_WORDS = (
    "bluepeak greenleaf sunrise everbright hopeway topwell smartlink joyful freshday goodlife "
    "brightstar newera skyline oceanwave goldenbridge silverline maplewood redwood pinecone "
    "sunflower moonlight rainbow harmony unity vista nova zenith apex summit horizon pioneer "
    "vertex nimbus aurora lotus jade panda dragonfly bamboo"
).split()
COMPANY_DISTINGUISHERS = (
    "嘉汇 恒达 盛世 兴业 新创 信诚 和众 联达 源丰 泰和 瑞通 宏达 华美 永泰 安泰 德信 鼎新 锐达 博瑞 "
    "宏远 恒昌 华盛 金诚 佳和"
).split()
SHOP_DISTINGUISHERS = ("记", "家", "鑫", "隆", "兴", "旺", "顺", "福", "佳", "源")
COMMUNITY_DISTINGUISHERS = ("东区", "西区", "南区", "北区", "一期", "二期", "三期", "南苑", "北苑")
ASSOCIATION_DISTINGUISHERS = ("青年", "女性", "新生代", "中小企业", "民营企业", "青年企业家")

COMPANY_WORDS: dict[str, Sequence[str]] = {
    "A": ("农业科技", "生态农业", "农产品", "茶业", "果业", "水产", "农业开发", "畜牧"),
    "C": ("电子", "服饰", "家居", "五金制品", "塑胶制品", "食品", "智能科技", "日化", "包装材料",
          "机械设备", "玩具", "鞋业", "纺织", "灯饰", "陶瓷", "箱包"),
    "F51": ("贸易", "商贸", "供应链管理", "进出口", "国际贸易", "实业", "贸易发展"),
    "F52": ("商贸", "百货", "超市", "连锁", "母婴用品", "商业管理", "便利店"),
    "F5292": ("电子商务", "网络科技", "电商", "跨境电子商务", "网络销售", "直播电商"),
    "G": ("物流", "供应链", "速运", "仓储服务", "国际货运代理", "冷链物流", "运输"),
    "H61": ("酒店管理", "酒店", "民宿管理", "旅馆"),
    "H62": ("餐饮管理", "餐饮服务", "餐饮连锁", "食品", "餐饮"),
    "I64": ("网络科技", "信息技术", "互联网科技", "数字科技", "网络技术"),
    "I6432": ("网络科技", "生活服务", "到家网络科技", "本地生活科技"),
    "I6431": ("供应链科技", "产业互联网", "工业互联网科技", "数字供应链"),
    "I65": ("软件", "信息技术", "软件开发", "数据科技", "云计算科技", "智能科技"),
    "J": ("融资租赁", "商业保理", "保险代理", "融资担保", "金融信息服务"),
    "K": ("房地产开发", "物业管理", "置业", "房地产经纪", "物业服务"),
    "L72": ("企业管理咨询", "品牌管理", "广告", "文化传媒", "会展服务", "人力资源", "商务咨询"),
    "L7271": ("旅行社", "国际旅行社", "旅游开发", "旅游服务"),
    "M": ("检测技术", "生物科技", "新材料科技", "技术服务", "工程设计", "科技"),
    "O": ("家政服务", "家电维修", "洗涤服务", "美容服务", "摄影", "保洁服务"),
    "P": ("教育科技", "教育咨询", "职业技能培训", "文化艺术培训"),
    "Q": ("健康管理", "医疗器械", "医药", "养老服务", "健康科技"),
    "R": ("文化传媒", "影视文化", "体育发展", "文化娱乐", "演艺", "文化创意"),
}
GENERIC_COMPANY_WORDS = ("商贸", "科技", "实业")
ASSOCIATIONS = (
    "电子商务协会", "网商协会", "直播电商协会", "跨境电子商务协会", "电子商务促进会",
    "个体劳动者协会", "诚信建设促进会", "餐饮行业协会", "物流与供应链协会", "互联网行业协会",
    "连锁经营协会", "电子商务产业联盟", "质量诚信促进会", "网络诚信联盟",
)
SHOP_WORDS: dict[str, Sequence[str]] = {
    "F52": ("日用百货商行", "便利店", "超市", "百货店", "服装店", "母婴用品店", "五金店",
            "文具店", "水果店", "烟酒商行", "茶行"),
    "F5292": ("网店", "电子商务商行", "网络商行", "电商工作室", "直播工作室", "网络经营部"),
    "H62": ("食品店", "小吃店", "面馆", "烘焙坊", "餐馆", "奶茶店", "卤味店", "火锅店"),
    "O": ("家电维修部", "洗衣店", "美发店", "摄影工作室", "家政服务部", "开锁服务部"),
    "A": ("农产品经营部", "种植场", "养殖场", "茶叶店", "家庭农场"),
    "R": ("文化工作室", "设计工作室", "书店", "琴行"),
    "H61": ("民宿", "客栈", "旅馆"),
    "F51": ("批发部", "日用百货批发部", "贸易商行", "农副产品批发部"),
    "C": ("服装加工厂", "五金加工部", "手工作坊", "家具厂"),
    "L72": ("广告工作室", "图文设计工作室", "商务信息咨询服务部"),
    "P": ("书法培训工作室", "舞蹈工作室"),
}
GENERIC_SHOP_WORDS = ("商行", "店", "经营部", "工作室")
PLATFORM_WORDS: dict[str, Sequence[str]] = {
    "I6432": ("到家平台", "生活服务平台", "同城平台", "家政服务平台", "团购平台"),
    "I6431": ("产业带供货平台", "采购网", "工业品商城", "供应链平台", "批发网"),
    "F5292": ("优选平台", "严选商城", "好物商城", "拼团平台", "直播电商平台", "跨境购",
              "生鲜平台", "二手交易平台"),
    "I64": ("优选平台", "服务平台", "集市", "商城"),
    "L7271": ("旅行平台", "出行服务平台"),
    "G": ("物流信息平台", "货运平台"),
}
COMMUNITY_WORDS = (
    "幸福 阳光 锦绣 翠苑 金色 碧水 东湖 春江 桂园 枫林 滨江 御景 世纪 和平 新华 光明 长安 "
    "紫薇 香樟 丽景 怡和 康乐 朝晖 文苑 书香 天悦 龙湖 江南 绿洲 星湖"
).split()
COMMUNITY_SUFFIXES = ("小区", "花园", "家园", "苑", "新村", "公寓", "社区", "里", "雅居", "名都")
GROUP_WORDS = ("团购群", "邻里群", "业主团购群", "宝妈好物分享群", "生鲜团购群", "水果团购群")

ORG_SUFFIXES = (("有限公司", 70), ("有限责任公司", 12), ("股份有限公司", 10), ("集团有限公司", 4))

# --- industries -------------------------------------------------------------

INDUSTRY_WEIGHTS: dict[str, dict[str, float]] = {
    "organisation": {
        "F5292": 14, "F52": 10, "F51": 10, "C": 12, "I64": 6, "I65": 6, "G": 6, "H62": 5,
        "L72": 6, "A": 4, "M": 3, "O": 3, "R": 3, "H61": 2, "L7271": 2, "P": 2, "Q": 2, "K": 1.5,
        "J": 1, "I6432": 1, "I6431": 1, "S": 1.5,
    },
    "individual": {"F52": 10, "F5292": 8, "H62": 8, "O": 5, "A": 3, "R": 2, "H61": 2, "F51": 3,
                   "C": 2, "L72": 1.5, "P": 1},
    "platform": {"I6432": 5, "I6431": 4, "F5292": 5, "I64": 3, "L7271": 1, "G": 1},
    "community_manager": {"F52": 6, "F5292": 6, "O": 2, "A": 1, "H62": 1},
}
DOMAIN_TAILS: dict[str, Sequence[str]] = {
    "F5292": ("ec", "mall", "shop", "buy", "go"), "F52": ("mall", "shop", "store", "mart"),
    "F51": ("trade", "trading", "sc", "global"), "C": ("mfg", "factory", "tech", "industry"),
    "I64": ("tech", "net", "online", "digital"), "I65": ("soft", "tech", "cloud", "data"),
    "I6432": ("life", "home", "daojia"), "I6431": ("b2b", "supply", "sc"),
    "G": ("56", "express", "logistics", "log"), "H62": ("food", "cater", "kitchen"),
    "H61": ("hotel", "inn", "stay"), "A": ("agri", "farm", "fresh", "tea"),
    "L7271": ("travel", "trip", "tour"), "P": ("edu", "school", "learn"),
    "Q": ("health", "med", "care"), "R": ("media", "culture", "art"), "J": ("finance", "capital"),
    "K": ("property", "estate"), "L72": ("consult", "brand", "media"), "M": ("lab", "bio", "tech"),
    "O": ("service", "home"), "S": ("org", "assn"),
}
TLDS = (("com", 45), ("cn", 25), ("com.cn", 20), ("net", 10))
SHOP_PLATFORMS = {
    "organisation": (("天猫", 30), ("京东", 25), ("淘宝", 15), ("拼多多", 15), ("抖音", 15)),
    "individual": (("淘宝", 35), ("拼多多", 25), ("抖音", 20), ("微店", 10), ("京东", 5),
                   ("有赞", 5)),
    "community_manager": (("有赞", 35), ("微店", 35), ("拼多多", 10), ("抖音", 20)),
}
VERIFIED_SHARE = 0.6  # of all sites
FAILED_CHECK_SHARE = 0.25  # of the unverified sites: a failed check on record


@dataclass(frozen=True)
class Place:
    province_code: str
    province_name: str
    city_code: str
    city_name: str
    city_en: str

    @property
    def municipality(self) -> bool:
        return self.province_name == self.city_name

    @property
    def short(self) -> str:
        return short_city(self.city_name)

    @property
    def full(self) -> str:
        """The city as written before a company name: with 市, else short."""
        return self.city_name if self.city_name.endswith("市") else self.short

    @property
    def province_short(self) -> str:
        name = self.province_name
        for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name

    @property
    def address_prefix(self) -> str:
        return self.city_name if self.municipality else self.province_name + self.city_name


def short_city(name: str) -> str:
    """杭州市 -> 杭州, 延边朝鲜族自治州 -> 延边, 锡林郭勒盟 -> 锡林郭勒."""
    if name in SHORT_CITY:
        return SHORT_CITY[name]
    if name.endswith("自治州"):
        return name[:2]
    for suffix in ("地区", "盟", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def load_regions() -> list[dict[str, Any]]:
    return json.loads((DATA_DIR / "regions.json").read_text("utf-8"))


def load_industries() -> list[dict[str, Any]]:
    return json.loads((DATA_DIR / "industries.json").read_text("utf-8"))


def mainland_places(regions: Iterable[dict[str, Any]]) -> dict[str, list[Place]]:
    """Province code -> its cities, for the mainland provinces that have cities."""
    rows = list(regions)
    provinces = {r["code"]: r for r in rows if r["level"] == "province"
                 and r["code"][:2] not in NON_MAINLAND}
    out: dict[str, list[Place]] = {}
    for r in rows:
        if r["level"] == "city" and r["parent"] in provinces:
            p = provinces[r["parent"]]
            out.setdefault(p["code"], []).append(
                Place(p["code"], p["name"], r["code"], r["name"], r.get("name_en") or "")
            )
    return out


def split_kinds(count: int) -> dict[str, int]:
    """Exact numbers per kind for `count` subjects (largest remainder)."""
    raw = {k: count * share for k, share in KIND_SHARES}
    out = {k: int(v) for k, v in raw.items()}
    rest = count - sum(out.values())
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[:rest]:
        out[k] += 1
    return out
